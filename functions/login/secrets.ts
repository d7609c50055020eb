/** The WeChat AppSecret from Secrets Manager, fetched once per container and cached. */
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import { ConfigError, abortable, classifyAwsError, isRecord } from "./errors";
import type { SecretGetter } from "./wechat";

/** Re-read every 5 minutes so a rotated secret is picked up without a redeploy. */
export const SECRET_MAX_AGE_SECONDS = 300;

/**
 * The Powertools SecretsProvider caches, but takes no AbortSignal: the read is raced against the
 * invocation's signal (503 at the deadline), and the SDK client's own timeouts
 * (throwOnRequestTimeout, runtime.ts) bound the abandoned request.
 */
export function makeSecretGetter(client: SecretsManagerClient, secretId: string): SecretGetter {
  const provider = new SecretsProvider({ awsSdkV3Client: client });
  const read = async (forceFetch: boolean): Promise<unknown> => {
    try {
      return await provider.get(secretId, { maxAge: SECRET_MAX_AGE_SECONDS, forceFetch });
    } catch (err) {
      // Powertools wraps SDK errors in GetParameterError with the SDK error as `cause`.
      const cause = isRecord(err) && "cause" in err ? err.cause : err;
      const name = isRecord(cause) && typeof cause["name"] === "string" ? cause["name"] : "";
      if (name === "ResourceNotFoundException" || name === "DecryptionFailure") {
        throw new ConfigError(`WeChat secret unreadable (${name})`);
      }
      throw classifyAwsError("secretsmanager", cause);
    }
  };
  return async (opts) => {
    const pending = read(opts?.forceFetch ?? false);
    const value = opts?.signal
      ? await abortable(pending, opts.signal, "secretsmanager")
      : await pending;
    if (typeof value !== "string" || value.trim() === "") {
      throw new ConfigError("WeChat secret has no SecretString");
    }
    return value.trim();
  };
}
