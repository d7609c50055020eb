/** STS adapter (basic flow only; the enhanced bundle never imports this module). */
import { xmlText, type QueryClient } from "./aws-client";
import { InternalError, awsErrorName, classifyAwsError, ConfigError } from "./errors";
import type { CredentialsPort } from "./ports";

export function makeStsCredentials(
  client: QueryClient,
  opts: { roleArn: string; durationSeconds: number },
): CredentialsPort {
  return {
    async assumeRole(input, signal) {
      let xml: string;
      try {
        // Member order as the SDK serializes it.
        xml = await client.query(
          "AssumeRoleWithWebIdentity",
          {
            RoleArn: opts.roleArn,
            RoleSessionName: input.roleSessionName,
            WebIdentityToken: input.token,
            DurationSeconds: String(opts.durationSeconds),
          },
          signal,
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
      const credentials = credentialsElement(xml);
      const accessKeyId = xmlText(credentials, "AccessKeyId");
      const secretAccessKey = xmlText(credentials, "SecretAccessKey");
      const sessionToken = xmlText(credentials, "SessionToken");
      const expiration = new Date(xmlText(credentials, "Expiration") ?? "");
      if (!accessKeyId || !secretAccessKey || !sessionToken || Number.isNaN(expiration.getTime())) {
        throw new InternalError("sts returned no credentials");
      }
      return { accessKeyId, secretAccessKey, sessionToken, expiration: expiration.toISOString() };
    },
  };
}

/** The `<Credentials>` element of the reply ("" when there is none). */
function credentialsElement(xml: string): string {
  const open = "<Credentials>";
  const start = xml.indexOf(open);
  const end = start < 0 ? -1 : xml.indexOf("</Credentials>", start);
  return end < 0 ? "" : xml.slice(start + open.length, end);
}
