/**
 * Per-container wiring shared by both entries: env (fail-fast), logger, SDK clients, adapters.
 * Everything here runs once at init (module scope of the entry).
 *
 * Timeout budget (worst case, all inside DEFAULT_MAX_LOGIN_MS = 9 s and the per-invocation
 * deadline = Lambda remaining time - 0.5 s, which aborts every call still in flight):
 *   Secrets Manager (cold start / every 5 min): connect 1 s, request 1.5 s, 2 attempts
 *   WeChat: 3 s total, no retry (codes are single-use; -1 -> 503 and the client retries)
 *   Cognito || DynamoDB: Cognito connect 1 s, request 2 s, 2 attempts; DynamoDB 0.5 s / 1 s, 3
 *   STS (basic) || PutItem (first login): same bounds as Cognito / DynamoDB
 * Recommended Lambda timeout: 10 s (the HTTP API integration limit is 30 s).
 */
import { CognitoIdentityClient } from "@aws-sdk/client-cognito-identity";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { Logger } from "@aws-lambda-powertools/logger";
import { makeCognitoIdentity } from "./cognito";
import { readConfig, type LoginConfig, type LoginFlow } from "./config";
import { makeHandler, type LambdaContextLike, type LoginHandler } from "./handler";
import type { HttpResponse } from "./http";
import { makeMappingTable } from "./mapping";
import type { CredentialsPort, LogPort } from "./ports";
import { makeSecretGetter } from "./secrets";
import { makeWechatClient } from "./wechat";

export interface SdkTimeouts {
  readonly connectionTimeout: number;
  readonly requestTimeout: number;
  readonly maxAttempts: number;
}

export const COGNITO_TIMEOUTS: SdkTimeouts = {
  connectionTimeout: 1000,
  requestTimeout: 2000,
  maxAttempts: 2,
};
export const STS_TIMEOUTS = COGNITO_TIMEOUTS;
export const DYNAMODB_TIMEOUTS: SdkTimeouts = {
  connectionTimeout: 500,
  requestTimeout: 1000,
  maxAttempts: 3,
};
export const SECRETS_TIMEOUTS: SdkTimeouts = {
  connectionTimeout: 1000,
  requestTimeout: 1500,
  maxAttempts: 2,
};

/**
 * SDK client config: the regional endpoint of AWS_REGION (the SDK's default; AWS_ENDPOINT_URL_*
 * still override it), bounded retries, connection/request timeouts, keep-alive sockets.
 */
export function sdkConfig(region: string, t: SdkTimeouts) {
  return {
    region,
    maxAttempts: t.maxAttempts,
    requestHandler: {
      connectionTimeout: t.connectionTimeout,
      requestTimeout: t.requestTimeout,
      httpsAgent: { keepAlive: true, maxSockets: 50 },
      httpAgent: { keepAlive: true, maxSockets: 50 },
    },
  };
}

export interface Runtime {
  readonly config: LoginConfig;
  readonly logger: Logger;
  readonly handler: (event: unknown, context?: LambdaContextLike) => Promise<HttpResponse>;
}

export function createRuntime(
  flow: LoginFlow,
  makeCredentials?: (config: LoginConfig) => CredentialsPort,
): Runtime {
  const logger = new Logger();
  const config = readConfig(process.env, flow);
  const cognito = new CognitoIdentityClient(sdkConfig(config.region, COGNITO_TIMEOUTS));
  const dynamodb = new DynamoDBClient(sdkConfig(config.region, DYNAMODB_TIMEOUTS));
  const secrets = new SecretsManagerClient(sdkConfig(config.region, SECRETS_TIMEOUTS));
  const log: LogPort = {
    debug: (m, extra) => logger.debug(m, extra ?? {}),
    info: (m, extra) => logger.info(m, extra ?? {}),
    warn: (m, extra) => logger.warn(m, extra ?? {}),
    error: (m, extra) => logger.error(m, extra ?? {}),
  };
  const inner: LoginHandler = makeHandler({
    config,
    logger: log,
    wechat: makeWechatClient({
      appId: config.wechatAppId,
      baseUrl: config.wechatApiBaseUrl,
      getSecret: makeSecretGetter(secrets, config.wechatSecretId),
    }),
    identity: makeCognitoIdentity(cognito, config),
    mapping: makeMappingTable(dynamodb, config.tableName),
    credentials: makeCredentials?.(config),
  });
  const handler = async (event: unknown, context?: LambdaContextLike): Promise<HttpResponse> => {
    if (context?.awsRequestId) logger.appendKeys({ awsRequestId: context.awsRequestId });
    return inner(event, context);
  };
  return { config, logger, handler };
}
