/** The WeChat AppSecret from Secrets Manager, fetched once per container and cached. */
import type { JsonClient } from "./aws-client";
import { ConfigError, abortable, awsErrorName, classifyAwsError } from "./errors";
import type { SecretGetter } from "./wechat";

/** Re-read every 5 minutes so a rotated secret is picked up without a redeploy. */
export const SECRET_MAX_AGE_SECONDS = 300;

/**
 * A cached read with a max age and a forced refresh (after WeChat rejected the AppSecret). A
 * read runs for whoever is waiting for it: concurrent callers share one GetSecretValue, each
 * racing it against its own invocation signal (503 at the deadline), and the client's own
 * per-attempt timeouts (runtime.ts) bound the shared request. A failed read is not cached.
 */
export function makeSecretGetter(
  client: JsonClient,
  secretId: string,
  nowMs: () => number = Date.now,
): SecretGetter {
  let cached: { value: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;
  const read = (): Promise<string> => {
    const p = fetchSecret(client, secretId).then(
      (value) => {
        if (pending === p) pending = undefined;
        cached = { value, expiresAt: nowMs() + SECRET_MAX_AGE_SECONDS * 1000 };
        return value;
      },
      (err: unknown) => {
        if (pending === p) pending = undefined;
        throw err;
      },
    );
    pending = p;
    return p;
  };
  return async (opts) => {
    const force = opts?.forceFetch ?? false;
    if (!force && cached && nowMs() < cached.expiresAt) return cached.value;
    // A forced read never joins a read that started before the rejection it reacts to.
    const p = (!force && pending) || read();
    return opts?.signal ? abortable(p, opts.signal, "secretsmanager") : p;
  };
}

async function fetchSecret(client: JsonClient, secretId: string): Promise<string> {
  let out: { SecretString?: unknown };
  try {
    out = await client.json<{ SecretString?: unknown }>("GetSecretValue", { SecretId: secretId });
  } catch (err) {
    throw readError(err, secretId);
  }
  const value = out.SecretString;
  if (typeof value !== "string" || value.trim() === "") {
    throw new ConfigError(`WeChat secret ${secretId} has no SecretString`);
  }
  return value.trim();
}

/** The error of a failed GetSecretValue (its own function: a successful read never compiles it). */
function readError(err: unknown, secretId: string): Error {
  const name = awsErrorName(err);
  if (name === "ResourceNotFoundException" || name === "DecryptionFailure") {
    return new ConfigError(`WeChat secret ${secretId} unreadable (${name})`);
  }
  return classifyAwsError("secretsmanager", err);
}
