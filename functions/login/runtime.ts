/**
 * Per-container wiring shared by both entries: env (fail-fast), logger, SDK clients, adapters.
 * Everything here runs once at init (module scope of the entry).
 *
 * Timeout budget: functions/README.md, "Timeout budget" (the figures are the constants below and
 * WECHAT_TIMEOUT_MS in wechat.ts).
 */
import { CognitoIdentityClient } from "@aws-sdk/client-cognito-identity";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { Logger } from "@aws-lambda-powertools/logger";
import { readClientLimit } from "./clientLimit";
import { makeCognitoIdentity } from "./cognito";
import { readConfig, type LoginConfigFor, type LoginFlow } from "./config";
import { METRICS_STACK_ENV } from "../../core/metrics";
import { makeHandler, type LambdaContextLike, type LoginHandler } from "./handler";
import type { HttpResponse } from "./http";
import { makeClientLimiter } from "./limiter";
import { instrumentSecretGetter } from "./instrument";
import { makeMappingTable } from "./mapping";
import { makeEmfMetrics, stdoutLine } from "./metrics";
import type { CredentialsPort, LogPort } from "./ports";
import { makeSecretGetter } from "./secrets";
import { makeWechatClient } from "./wechat";

/** The subset of @smithy/types RetryStrategyV2 / RetryErrorInfo this module uses. */
interface RetryToken {
  getRetryCount(): number;
  getRetryDelay(): number;
}
interface RetryStrategy {
  acquireInitialRetryToken(scope: string): Promise<RetryToken>;
  refreshRetryTokenForRetry(token: RetryToken, info: { errorType: string }): Promise<RetryToken>;
  recordSuccess(token: RetryToken): void;
}

/** SDK retry base delay (ms), as the SDK's standard strategy; jittered, doubled per retry. */
const RETRY_BASE_DELAY_MS = 100;

/**
 * Retry only what the SDK classifies TRANSIENT (socket errors, timeouts, 500/502/503/504), never
 * THROTTLING: a retry against a throttling upstream only adds to the load it reacts to and makes
 * the caller wait for the 429 (the client backs off on Retry-After instead). Attempts stay
 * bounded by `maxAttempts` and, through the abort signal, by the invocation deadline.
 */
export function transientOnlyRetry(maxAttempts: number): RetryStrategy {
  const token = (count: number, delay: number): RetryToken => ({
    getRetryCount: () => count,
    getRetryDelay: () => delay,
  });
  return {
    acquireInitialRetryToken: async () => token(0, 0),
    refreshRetryTokenForRetry: async (previous, info) => {
      const retries = previous.getRetryCount() + 1;
      if (info.errorType !== "TRANSIENT" || retries >= maxAttempts) {
        throw new Error("no retry");
      }
      return token(retries, Math.floor(Math.random() * RETRY_BASE_DELAY_MS * 2 ** (retries - 1)));
    },
    recordSuccess: () => undefined,
  };
}

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
 * still override it), bounded retries of transient errors only, connection/request timeouts,
 * keep-alive sockets.
 */
export function sdkConfig(region: string, t: SdkTimeouts) {
  return {
    region,
    maxAttempts: t.maxAttempts,
    retryStrategy: transientOnlyRetry(t.maxAttempts),
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

export interface Runtime<F extends LoginFlow> {
  readonly config: LoginConfigFor<F>;
  readonly logger: Logger;
  readonly handler: (event: unknown, context?: LambdaContextLike) => Promise<HttpResponse>;
}

export function createRuntime<F extends LoginFlow>(
  flow: F,
  makeCredentials?: (config: LoginConfigFor<F>) => CredentialsPort,
): Runtime<F> {
  const serviceName = process.env["POWERTOOLS_SERVICE_NAME"]?.trim() || DEFAULT_SERVICE_NAME;
  const logger = new Logger({ serviceName });
  const config = readConfig(process.env, flow);
  const clientLimit = readClientLimit(process.env);
  const cognito = new CognitoIdentityClient(sdkConfig(config.region, COGNITO_TIMEOUTS));
  const dynamodb = new DynamoDBClient(sdkConfig(config.region, DYNAMODB_TIMEOUTS));
  const secrets = new SecretsManagerClient(sdkConfig(config.region, SECRETS_TIMEOUTS));
  const log: LogPort = {
    debug: (m, extra) => logger.debug(m, extra ?? {}),
    info: (m, extra) => logger.info(m, extra ?? {}),
    warn: (m, extra) => logger.warn(m, extra ?? {}),
    error: (m, extra) => logger.error(m, extra ?? {}),
  };
  // The infra always sets the stack; without it (hand-run bundles) there is no dimension to use.
  const stack = process.env[METRICS_STACK_ENV]?.trim();
  const metrics = stack ? makeEmfMetrics({ stack, write: stdoutLine }) : undefined;
  if (!metrics) logger.warn("metrics_disabled", { reason: `${METRICS_STACK_ENV} is unset` });
  const getSecret = makeSecretGetter(secrets, config.wechatSecretId);
  const inner: LoginHandler = makeHandler({
    config,
    logger: log,
    metrics,
    wechat: makeWechatClient({
      appId: config.wechatAppId,
      baseUrl: config.wechatApiBaseUrl,
      getSecret: metrics ? instrumentSecretGetter(getSecret, metrics) : getSecret,
    }),
    identity: makeCognitoIdentity(cognito, config),
    mapping: makeMappingTable(dynamodb, config.tableName),
    credentials: makeCredentials?.(config),
    clientLimit: clientLimit && {
      key: clientLimit.key,
      limiter: makeClientLimiter(dynamodb, config.tableName, clientLimit.requestsPerMinute),
    },
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
