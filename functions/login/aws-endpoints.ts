/**
 * Endpoints of the four AWS services the login function calls, resolved as the AWS SDKs do for
 * them: `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL` (both ignored when
 * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`), else the regional endpoint
 * `https://<service>.<region>.<dnsSuffix>/` of the region's partition (core/partition.ts). All four
 * have regional endpoints of that form in both partitions (docs/aws-china.md, "Service endpoints").
 */
import { PARTITIONS, partitionOfRegion } from "../../core/partition";
import { EnvError } from "./config";

export type AwsService = "cognito-identity" | "dynamodb" | "secretsmanager" | "sts";

export interface AwsServiceInfo {
  /** `AWS_ENDPOINT_URL_<id>`: the SDK's service id in upper snake case. */
  readonly envId: string;
  /** awsJson `X-Amz-Target` prefix and protocol version; undefined for the query protocol. */
  readonly json?: { readonly targetPrefix: string; readonly version: "1.0" | "1.1" };
  /** Query-protocol API version (STS). */
  readonly queryVersion?: string;
}

export const AWS_SERVICES: Readonly<Record<AwsService, AwsServiceInfo>> = {
  "cognito-identity": {
    envId: "COGNITO_IDENTITY",
    json: { targetPrefix: "AWSCognitoIdentityService", version: "1.1" },
  },
  dynamodb: { envId: "DYNAMODB", json: { targetPrefix: "DynamoDB_20120810", version: "1.0" } },
  secretsmanager: {
    envId: "SECRETS_MANAGER",
    json: { targetPrefix: "secretsmanager", version: "1.1" },
  },
  sts: { envId: "STS", queryVersion: "2011-06-15" },
};

export function resolveEndpoint(
  service: AwsService,
  region: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): URL {
  if (env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]?.trim().toLowerCase() !== "true") {
    for (const name of [`AWS_ENDPOINT_URL_${AWS_SERVICES[service].envId}`, "AWS_ENDPOINT_URL"]) {
      const value = env[name]?.trim();
      if (value) return configuredUrl(name, value);
    }
  }
  const partition = partitionOfRegion(region);
  if (partition === undefined) {
    throw new EnvError(`AWS_REGION is not in a supported partition (aws, aws-cn)`);
  }
  return new URL(`https://${service}.${region}.${PARTITIONS[partition].dnsSuffix}/`);
}

function configuredUrl(name: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new EnvError(`${name} is not a URL`);
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.search || url.username) {
    throw new EnvError(`${name} must be an http(s) URL without query or credentials`);
  }
  return url;
}
