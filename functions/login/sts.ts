/** STS adapter (basic flow only; the enhanced bundle never imports this module). */
import { AssumeRoleWithWebIdentityCommand, type STSClient } from "@aws-sdk/client-sts";
import { InternalError, awsErrorName, classifyAwsError, ConfigError } from "./errors";
import type { CredentialsPort } from "./ports";

export function makeStsCredentials(
  client: STSClient,
  opts: { roleArn: string; durationSeconds: number },
): CredentialsPort {
  return {
    async assumeRole(input, signal) {
      let out;
      try {
        out = await client.send(
          new AssumeRoleWithWebIdentityCommand({
            RoleArn: opts.roleArn,
            WebIdentityToken: input.token,
            RoleSessionName: input.roleSessionName,
            DurationSeconds: opts.durationSeconds,
          }),
          { abortSignal: signal },
        );
      } catch (err) {
        const name = awsErrorName(err);
        // Trust policy / duration / classic-flow misconfiguration: ours to fix, not the client's.
        if (
          name === "AccessDenied" ||
          name === "ValidationError" ||
          name === "InvalidIdentityToken"
        ) {
          throw new ConfigError(`sts refused AssumeRoleWithWebIdentity (${name})`);
        }
        throw classifyAwsError("sts", err);
      }
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
        throw new InternalError("sts returned no credentials");
      }
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration.toISOString(),
      };
    },
  };
}
