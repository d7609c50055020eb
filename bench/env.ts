/**
 * The bench's environment: what the function's environment holds in Lambda, pointed at the
 * stubs, and a throw-away certificate for the stubs' --tls mode.
 */
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { arn, partitionOfRegion } from "../core/partition";
import type { LoginFlow } from "../core/vocabulary";
import { FIXTURE } from "./stubs";

/** What the function's environment holds in Lambda (infra/loginApi.ts), pointed at the stubs. */
export function functionEnv(
  flow: LoginFlow,
  stubs: string,
  extra: Record<string, string>,
): Record<string, string> {
  const partition = { partition: partitionOfRegion(FIXTURE.region) ?? "aws" };
  return {
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    // Set by the Lambda runtime.
    AWS_REGION: FIXTURE.region,
    AWS_DEFAULT_REGION: FIXTURE.region,
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
    AWS_LAMBDA_FUNCTION_NAME: "wechat-login",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "256",
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_ACCESS_KEY_ID: "ASIABENCHSTATIC00001",
    AWS_SECRET_ACCESS_KEY: "benchStaticSecretAccessKey/0123456789+abc",
    AWS_SESSION_TOKEN: "benchStaticSessionToken//IQoJb3JpZ2luX2VjEJr",
    // Only Node < 22 would print the SDK's support notice; Lambda's Node 22 never does.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    AWS_ENDPOINT_URL_COGNITO_IDENTITY: stubs,
    AWS_ENDPOINT_URL_DYNAMODB: stubs,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: stubs,
    AWS_ENDPOINT_URL_STS: stubs,
    WECHAT_API_BASE_URL: stubs,
    // Set by infra/loginApi.ts.
    IDENTITY_POOL_ID: FIXTURE.poolId,
    DEVELOPER_PROVIDER_NAME: FIXTURE.provider,
    TOKEN_DURATION_SECONDS: "900",
    LOGINS_KEY: "cognito-identity.amazonaws.com",
    TABLE_NAME: FIXTURE.tableName,
    WECHAT_APPS: JSON.stringify([
      {
        appId: FIXTURE.appId,
        kind: "miniprogram",
        secretArn: arn(
          partition,
          "secretsmanager",
          FIXTURE.region,
          FIXTURE.accountId,
          `secret:${FIXTURE.secretName}`,
        ),
      },
    ]),
    USER_KEY: "unionid",
    POWERTOOLS_SERVICE_NAME: "wechat-login",
    POWERTOOLS_LOG_LEVEL: "INFO",
    // The metrics' `stack` dimension: with it the bench pays for the EMF line Lambda writes.
    METRICS_STACK: "bench",
    ...(flow === "basic"
      ? {
          AUTHENTICATED_ROLE_ARN: arn(partition, "iam", "", FIXTURE.accountId, "role/authed"),
          CREDENTIALS_DURATION_SECONDS: "3600",
        }
      : {}),
    ...extra,
  };
}

/** A throw-away RSA 2048 certificate for 127.0.0.1 (real endpoints present RSA 2048 too). */
export function selfSignedCertificate(dir: string): {
  key: string;
  cert: string;
  certFile: string;
} {
  const keyFile = path.join(dir, "stub-key.pem");
  const certFile = path.join(dir, "stub-cert.pem");
  const r = spawnSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
    ].concat(["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", keyFile, "-out", certFile]),
    { encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`--tls needs openssl: ${r.stderr || r.error?.message}`);
  return { key: readFileSync(keyFile, "utf8"), cert: readFileSync(certFile, "utf8"), certFile };
}
