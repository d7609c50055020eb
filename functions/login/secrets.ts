/** The WeChat AppSecret from Secrets Manager, fetched once per container and cached. */
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import { ConfigError, classifyAwsError, isRecord } from "./errors";

/** Re-read every 5 minutes so a rotated secret is picked up without a redeploy. */
export const SECRET_MAX_AGE_SECONDS = 300;

export function makeSecretGetter(
  client: SecretsManagerClient,
  secretId: string,
): (opts?: { forceFetch?: boolean }) => Promise<string> {
  const provider = new SecretsProvider({ awsSdkV3Client: client });
  return async (opts) => {
    let value: unknown;
    try {
      value = await provider.get(secretId, {
        maxAge: SECRET_MAX_AGE_SECONDS,
        forceFetch: opts?.forceFetch ?? false,
      });
    } catch (err) {
      // Powertools wraps SDK errors in GetParameterError with the SDK error as `cause`.
      const cause = isRecord(err) && "cause" in err ? err.cause : err;
      const name = isRecord(cause) && typeof cause["name"] === "string" ? cause["name"] : "";
      if (name === "ResourceNotFoundException" || name === "DecryptionFailure") {
        throw new ConfigError(`WeChat secret unreadable (${name})`);
      }
      throw classifyAwsError("secretsmanager", cause);
    }
    if (typeof value !== "string" || value.trim() === "") {
      throw new ConfigError("WeChat secret has no SecretString");
    }
    return value.trim();
  };
}
