/**
 * Per-container wiring shared by both entries: env (fail-fast), logger, SDK clients, adapters.
 * Everything here runs once at init (module scope of the entry).
 *
 * Timeout budget. Every call runs under the per-invocation deadline
 * min(DEFAULT_MAX_LOGIN_MS = 9 s, Lambda remaining time - 0.5 s), which aborts every SDK call and
 * the WeChat fetch still in flight (the Secrets Manager read is raced against it). Inside that,
 * per attempt (SDK: throwOnRequestTimeout, so requestTimeout really fails the attempt, and
 * socketTimeout bounds a stalled response body):
 *   Secrets Manager (cold start / every 5 min): connect 1 s, response 1.5 s, idle 1.5 s, 2 attempts
 *   WeChat: 3 s total, no retry (codes are single-use; -1 -> 503 and the client retries)
 *   Cognito: connect 1 s, response 2 s, idle 2 s, 2 attempts
 *   DynamoDB: connect 0.5 s, response 1 s, idle 1 s, 3 attempts
 *   STS (basic): as Cognito
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
  /** TCP (+TLS) connect. */
  readonly connectionTimeout: number;
  /** Request sent -> response headers; an error (throwOnRequestTimeout), not just a warning. */
  readonly requestTimeout: number;
  /** Socket idle time, e.g. a response body that stops mid-way. */
  readonly socketTimeout: number;
  readonly maxAttempts: number;
}

export const COGNITO_TIMEOUTS: SdkTimeouts = {
  connectionTimeout: 1000,
  requestTimeout: 2000,
  socketTimeout: 2000,
  maxAttempts: 2,
};
export const STS_TIMEOUTS = COGNITO_TIMEOUTS;
export const DYNAMODB_TIMEOUTS: SdkTimeouts = {
  connectionTimeout: 500,
  requestTimeout: 1000,
  socketTimeout: 1000,
  maxAttempts: 3,
};
export const SECRETS_TIMEOUTS: SdkTimeouts = {
  connectionTimeout: 1000,
  requestTimeout: 1500,
  socketTimeout: 1500,
  maxAttempts: 2,
};

/** Logger service name when POWERTOOLS_SERVICE_NAME is unset. */
export const DEFAULT_SERVICE_NAME = "wechat-login";

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
      // @smithy/node-http-handler only WARNS on requestTimeout unless this is set.
      throwOnRequestTimeout: true,
      socketTimeout: t.socketTimeout,
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
  const serviceName = process.env["POWERTOOLS_SERVICE_NAME"]?.trim() || DEFAULT_SERVICE_NAME;
  const logger = new Logger({ serviceName });
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
    // Per-invocation keys: cleared first, so an invocation never logs the previous request's id.
    logger.resetKeys();
    const awsRequestId = context?.awsRequestId;
    if (typeof awsRequestId === "string" && awsRequestId !== "") {
      logger.appendKeys({ awsRequestId: awsRequestId.slice(0, 100) });
    }
    try {
      return await inner(event, context);
    } finally {
      logger.resetKeys();
    }
  };
  return { config, logger, handler };
}
