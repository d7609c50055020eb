/**
 * Per-container wiring shared by both entries: env (fail-fast), logger, AWS clients, adapters.
 * Everything here runs once at init (module scope of the entry).
 *
 * Timeout budget: functions/README.md, "Timeout budget" (the figures are the constants below and
 * WECHAT_TIMEOUT_MS in wechat.ts).
 */
import { AwsClient, type AwsTimeouts } from "./aws-client";
import type { AwsService } from "./aws-endpoints";
import { readClientLimit } from "./clientLimit";
import { METRICS_STACK_ENV } from "../../core/metrics";
import { makeCognitoIdentity } from "./cognito";
import { readConfig, type LoginConfigFor, type LoginFlow } from "./config";
import { makeHandler, type LambdaContextLike, type LoginHandler } from "./handler";
import type { HttpResponse } from "./http";
import { instrumentSecretGetter } from "./instrument";
import { makeClientLimiter } from "./limiter";
import { JsonLogger } from "./log";
import { makeMappingTable } from "./mapping";
import { makeEmfMetrics, stdoutLine } from "./metrics";
import type { CredentialsPort } from "./ports";
import { makeSecretGetter } from "./secrets";
import { makeWechatClient } from "./wechat";

export { transientOnlyRetry } from "./aws-retry";

/** Per-attempt bounds of one AWS client (aws-client.ts). */
export type SdkTimeouts = AwsTimeouts;

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
 * A client of `service` in `region`: the regional endpoint (AWS_ENDPOINT_URL_* override it),
 * credentials from the Lambda environment, these timeouts, transient-only retries, keep-alive.
 */
export function awsClient(service: AwsService, region: string, t: SdkTimeouts): AwsClient {
  return new AwsClient({ service, region, timeouts: t });
}

export interface Runtime<F extends LoginFlow> {
  readonly config: LoginConfigFor<F>;
  readonly logger: JsonLogger;
  readonly handler: (event: unknown, context?: LambdaContextLike) => Promise<HttpResponse>;
}

export function createRuntime<F extends LoginFlow>(
  flow: F,
  makeCredentials?: (config: LoginConfigFor<F>) => CredentialsPort,
): Runtime<F> {
  const serviceName = process.env["POWERTOOLS_SERVICE_NAME"]?.trim() || DEFAULT_SERVICE_NAME;
  const logger = new JsonLogger({ serviceName });
  const config = readConfig(process.env, flow);
  const cognito = awsClient("cognito-identity", config.region, COGNITO_TIMEOUTS);
  const dynamodb = awsClient("dynamodb", config.region, DYNAMODB_TIMEOUTS);
  const secrets = awsClient("secretsmanager", config.region, SECRETS_TIMEOUTS);
  const clientLimit = readClientLimit(process.env);
  // The infra always sets the stack; without it (hand-run bundles) there is no dimension to use.
  const stack = process.env[METRICS_STACK_ENV]?.trim();
  const metrics = stack ? makeEmfMetrics({ stack, write: stdoutLine }) : undefined;
  if (!metrics) logger.warn("metrics_disabled", { reason: `${METRICS_STACK_ENV} is unset` });
  // One exchange per app, each with its own AppSecret cache and rotation state (one Secrets
  // Manager client for all of them).
  const wechat = new Map(
    config.wechatApps.map((app) => {
      const getSecret = makeSecretGetter(secrets, app.secretArn);
      const client = makeWechatClient({
        appId: app.appId,
        kind: app.kind,
        baseUrl: config.wechatApiBaseUrl,
        getSecret: metrics ? instrumentSecretGetter(getSecret, metrics) : getSecret,
      });
      return [app.appId, client];
    }),
  );
  const inner: LoginHandler = makeHandler({
    config,
    logger,
    metrics,
    wechat,
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
