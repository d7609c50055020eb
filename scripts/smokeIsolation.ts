/**
 * The `identity-isolation` smoke check: when the stack grants a per-identity S3 prefix
 * (read-write) to signed-in users, two throwaway developer identities each write and read an
 * object under their own `<prefix>/<IdentityId>/`, and each is denied reading and writing the
 * other's. Both objects are deleted (by their owners) and both identities join the run's
 * `created` list, which the `cleanup` check deletes.
 */
import {
  GetCredentialsForIdentityCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
  type CognitoIdentityClient,
} from "@aws-sdk/client-cognito-identity";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  errorInfo,
  fail,
  isAccessDenied,
  pass,
  said,
  skip,
  type Outcome,
  type SmokeTarget,
} from "./smokeTarget";

export interface IdentityCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

/** An S3 client signing with one identity's credentials (tests hand out mocked ones). */
export type S3For = (credentials: IdentityCredentials, region: string) => S3Client;

export const defaultS3For: S3For = (credentials, region) =>
  new S3Client({
    region,
    credentials,
    maxAttempts: 1,
    // The bucket may live in another region of the partition.
    followRegionRedirects: true,
  });

export interface IsolationContext {
  readonly t: SmokeTarget;
  readonly outputs: unknown;
  readonly cognito: CognitoIdentityClient;
  readonly s3For: S3For;
  readonly suffix: string;
  readonly bounded: () => { abortSignal: AbortSignal };
  /** IdentityIds the run created (deleted by `cleanup`). */
  readonly created: string[];
  /** Remembers secrets (tokens, keys) so no printed text shows them. */
  readonly secret: (...values: (string | undefined)[]) => void;
}

/** The first per-identity read-write S3 grant of the authenticated role, from the `grants` output. */
export function perIdentityStorage(
  outputs: unknown,
): { bucket: string; prefix: string } | undefined {
  const grants = (outputs as { grants?: { storage?: unknown } } | undefined)?.grants;
  const storage = Array.isArray(grants?.storage)
    ? (grants.storage as Record<string, unknown>[])
    : [];
  const found = storage.find(
    (s) => s.role === "authenticated" && s.perIdentity === true && s.access === "read-write",
  );
  return found && typeof found.bucket === "string" && typeof found.prefix === "string"
    ? { bucket: found.bucket, prefix: found.prefix }
    : undefined;
}

export async function identityIsolation(ctx: IsolationContext): Promise<Outcome> {
  const storage = perIdentityStorage(ctx.outputs);
  if (!storage) return skip("not applicable: no per-identity read-write S3 grant (grants output)");
  const { t, cognito, bounded } = ctx;

  const identity = async (name: string) => {
    const minted = await cognito.send(
      new GetOpenIdTokenForDeveloperIdentityCommand({
        IdentityPoolId: t.identityPoolId,
        Logins: { [t.developerProviderName]: `smoke-${name}#${ctx.suffix}` },
        TokenDuration: 60,
      }),
      bounded(),
    );
    ctx.secret(minted.Token);
    if (!minted.IdentityId || !minted.Token) throw new Error("no IdentityId or Token");
    ctx.created.push(minted.IdentityId);
    const out = await cognito.send(
      new GetCredentialsForIdentityCommand({
        IdentityId: minted.IdentityId,
        Logins: { [t.loginsKey]: minted.Token },
      }),
      bounded(),
    );
    const c = out.Credentials;
    ctx.secret(c?.AccessKeyId, c?.SecretKey, c?.SessionToken);
    if (!c?.AccessKeyId || !c.SecretKey || !c.SessionToken) throw new Error("no credentials");
    const s3 = ctx.s3For(
      { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretKey, sessionToken: c.SessionToken },
      t.region,
    );
    return { s3, key: `${storage.prefix}/${minted.IdentityId}/smoke-${ctx.suffix}.txt` };
  };

  let a, b;
  try {
    a = await identity("isolation-a");
    b = await identity("isolation-b");
  } catch (err) {
    return fail(
      `could not get two identities' credentials (${said(errorInfo(err))}); see authenticated-trust`,
    );
  }
  const Bucket = storage.bucket;
  const where = `s3://${Bucket}/${storage.prefix}/<IdentityId>/`;
  const written: { s3: S3Client; key: string }[] = [];
  const problems: string[] = [];
  try {
    for (const [name, me] of [
      ["A", a],
      ["B", b],
    ] as const) {
      await me.s3.send(new PutObjectCommand({ Bucket, Key: me.key, Body: name }), bounded());
      written.push(me);
      const got = await me.s3.send(new GetObjectCommand({ Bucket, Key: me.key }), bounded());
      if ((await got.Body?.transformToString()) !== name)
        problems.push(`${name} read back other bytes`);
    }
    for (const [name, me, other] of [
      ["A", a, b],
      ["B", b, a],
    ] as const) {
      const denied = async (what: string, send: () => Promise<unknown>) => {
        try {
          await send();
          problems.push(`${name} could ${what} the other identity's object`);
        } catch (err) {
          if (!isAccessDenied(errorInfo(err)))
            problems.push(`${name} ${what}: ${said(errorInfo(err))}`);
        }
      };
      await denied("read", () =>
        me.s3.send(new GetObjectCommand({ Bucket, Key: other.key }), bounded()),
      );
      await denied("write", () =>
        me.s3.send(new PutObjectCommand({ Bucket, Key: other.key, Body: "x" }), bounded()),
      );
    }
  } catch (err) {
    problems.push(`an identity could not use its own folder (${said(errorInfo(err))})`);
  } finally {
    for (const me of written) {
      try {
        await me.s3.send(new DeleteObjectCommand({ Bucket, Key: me.key }), bounded());
      } catch (err) {
        problems.push(
          `could not delete s3://${Bucket}/${me.key} (${said(errorInfo(err))}): delete it by hand`,
        );
      }
    }
  }
  return problems.length === 0
    ? pass(
        `two identities each wrote and read ${where} and were denied the other's; objects deleted`,
      )
    : fail(
        `${problems.join("; ")}. Fix: the grant must be s3PerIdentity on ${where} and the bucket must exist in ${t.partition}`,
      );
}
