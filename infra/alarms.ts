/**
 * The alarms of a stack, as pure data: what each watches, its threshold and why. The Monitoring
 * component (./monitoring.ts) turns each into an aws.cloudwatch.MetricAlarm; tests check the
 * metrics against what the function emits (core/metrics.ts) and that docs/runbook.md has a
 * section per alarm `key`.
 *
 * Facts: HTTP APIs publish 4xx, 5xx, Count, Latency, IntegrationLatency, DataProcessed by ApiId
 * and Stage, no 429 metric (API Gateway Developer Guide, "Monitor CloudWatch metrics for HTTP
 * APIs"), so stage throttling is counted from the access logs (ApiThrottled, a metric filter).
 */
import {
  CALLER_FAULT_CODES,
  DIMENSION,
  LOGIN_ERROR_CODES,
  LOGIN_OUTCOMES,
  METRIC,
  METRICS_NAMESPACE,
  UPSTREAMS,
} from "../core/metrics";
import { COGNITO_RATE_QUOTAS } from "../core/quotas";

/** Metric of the access-log metric filter: the stage's throttled (429) requests. */
export const API_THROTTLED_METRIC = "ApiThrottled";

/**
 * A metric. `V` is the type of dimension values: strings in tests, Pulumi inputs (the API id and
 * function name are known only at deployment) in the component.
 */
export interface MetricRef<V = string> {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, V | string>>;
  /** Sum, Maximum, or a percentile such as p99. */
  readonly stat: string;
}

interface AlarmBase {
  /** Suffix of the alarm name and heading of its runbook section. */
  readonly key: string;
  readonly description: string;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly threshold: number;
}

export interface SingleMetricAlarm<V = string> extends AlarmBase {
  readonly kind: "metric";
  readonly metric: MetricRef<V>;
}

/** Metric math: `expression` over `metrics` (ids m0, m1, ...). */
export interface ExpressionAlarm<V = string> extends AlarmBase {
  readonly kind: "expression";
  readonly metrics: readonly MetricRef<V>[];
  readonly expression: string;
}

export type AlarmSpec<V = string> = SingleMetricAlarm<V> | ExpressionAlarm<V>;

export interface AlarmInputs<V = string> {
  /** The `stack` dimension of the function's metrics. */
  readonly stack: string;
  readonly apiId: V;
  readonly stageName: V;
  /** The login function. */
  readonly functionName: V;
  readonly timeoutSeconds: number;
  /** The account (self-service deletion) function. */
  readonly accountFunctionName: V;
}

/** Login error rate above this percentage over 5 minutes (caller faults excluded). */
export const ERROR_RATE_PERCENT = 5;
/** Below this many logins in 5 minutes the error rate is not judged (one failure is not 100 %). */
export const ERROR_RATE_MIN_LOGINS = 20;
/**
 * Share of code exchanges WeChat refused as invalid (40029, 40163, 42003) that alarms, over 15
 * minutes with at least ERROR_RATE_MIN_LOGINS logins: a few are normal (a code used twice or
 * expired), all of them are an app whose AppID is not the stack's.
 */
export const INVALID_CODE_PERCENT = 50;
/** Share of the developer-identity quota that alarms. */
export const QUOTA_ALARM_SHARE = 0.8;
/** Share of the function timeout that alarms on Duration p99. */
export const DURATION_ALARM_SHARE = 0.8;

const own = (metricName: string, stack: string, dims: Record<string, string> = {}): MetricRef => ({
  namespace: METRICS_NAMESPACE,
  metricName,
  dimensions: { [DIMENSION.stack]: stack, ...dims },
  stat: "Sum",
});

const sumOf = (ids: readonly string[]) => ids.map((id) => `FILL(${id}, 0)`).join(" + ");

/** 100 * failed / (failed + ok), judged only with at least ERROR_RATE_MIN_LOGINS of them. */
const percentOf = (failed: string, ok: string) => {
  const all = `(${failed} + ${ok})`;
  return `IF(${all} >= ${ERROR_RATE_MIN_LOGINS}, 100 * ${failed} / ${all}, 0)`;
};

export function alarmSpecs<V = string>(a: AlarmInputs<V>): AlarmSpec<V>[] {
  const succeeded = LOGIN_OUTCOMES.map((o) =>
    own(METRIC.loginSucceeded, a.stack, { [DIMENSION.outcome]: o }),
  );
  const failed = LOGIN_ERROR_CODES.map((c) =>
    own(METRIC.loginFailed, a.stack, { [DIMENSION.code]: c }),
  );
  const serverFailed = failed.filter(
    (m) => !CALLER_FAULT_CODES.some((c) => c === m.dimensions[DIMENSION.code]),
  );
  const upstream = (u: string, c: string) =>
    own(METRIC.upstreamError, a.stack, { [DIMENSION.upstream]: u, [DIMENSION.errorClass]: c });
  const wechat = (c: string) => own(METRIC.wechatError, a.stack, { [DIMENSION.errorClass]: c });
  const lambda = (metricName: string, stat = "Sum", fn: V = a.functionName): MetricRef<V> => ({
    namespace: "AWS/Lambda",
    metricName,
    dimensions: { FunctionName: fn },
    stat,
  });
  const api = (metricName: string): MetricRef<V> => ({
    namespace: "AWS/ApiGateway",
    metricName,
    dimensions: { ApiId: a.apiId, Stage: a.stageName },
    stat: "Sum",
  });
  const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `m${from + i}`);
  const quota = COGNITO_RATE_QUOTAS.GetOpenIdTokenForDeveloperIdentity;
  const countAlarm = (key: string, description: string, metric: MetricRef<V>, threshold = 1) => ({
    kind: "metric" as const,
    key,
    description,
    metric,
    periodSeconds: 300,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    threshold,
  });

  const configUpstreams = UPSTREAMS.filter((u) => u !== "wechat");
  const failedIds = ids(serverFailed.length);
  const okIds = ids(succeeded.length, serverFailed.length);
  const limitedId = `m${serverFailed.length + succeeded.length}`;
  // Server-side failures (the codes above, less the per-client limit's refusals: RATE_LIMITED
  // too, but the caller's own excess), and those plus the successes.
  const failures = `(${sumOf(failedIds)} - FILL(${limitedId}, 0))`;
  return [
    {
      kind: "expression",
      key: "login-error-rate",
      description:
        // From the code lists, so a new error code (e.g. UNKNOWN_APP) is described as it counts.
        `At least ${ERROR_RATE_PERCENT} % of logins failed over 5 minutes (` +
        `${LOGIN_ERROR_CODES.filter((c) => !CALLER_FAULT_CODES.includes(c)).join(", ")}; caller ` +
        `faults ${CALLER_FAULT_CODES.join(", ").replace(/, ([^,]+)$/, " and $1")} and the ` +
        `per-client limit's refusals excluded), with at least ${ERROR_RATE_MIN_LOGINS} logins.`,
      metrics: [...serverFailed, ...succeeded, own(METRIC.clientLimited, a.stack)],
      // Percentage of failures among failures + successes, judged only with enough logins.
      expression: percentOf(failures, `(${sumOf(okIds)})`),
      periodSeconds: 300,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      threshold: ERROR_RATE_PERCENT,
    },
    countAlarm(
      "api-5xx",
      "The login API answered 5xx (503 upstream unavailable, 500 internal) at least 5 times in 5 minutes.",
      api("5xx"),
      5,
    ),
    countAlarm(
      "api-throttled",
      "The login API stage throttled (429) at least 10 requests in 5 minutes: the stage rate " +
        "or burst limit is reached.",
      {
        namespace: METRICS_NAMESPACE,
        metricName: API_THROTTLED_METRIC,
        dimensions: { ApiId: a.apiId },
        stat: "Sum",
      },
      10,
    ),
    countAlarm(
      "cognito-throttled",
      "Cognito throttled GetOpenIdTokenForDeveloperIdentity (TooManyRequestsException): logins get 429.",
      upstream("cognito-identity", "throttled"),
    ),
    {
      kind: "expression",
      key: "upstream-config",
      description:
        "An AWS upstream (Cognito, DynamoDB, Secrets Manager, STS) refused our configuration: " +
        "access denied, secret missing or unreadable, STS refused the role or token.",
      metrics: configUpstreams.map((u) => upstream(u, "config")),
      expression: sumOf(ids(configUpstreams.length)),
      periodSeconds: 300,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      threshold: 1,
    },
    countAlarm(
      "wechat-unavailable",
      "WeChat's code exchange (jscode2session, or the OAuth access_token call) failed at least 5 " +
        "times in 5 minutes (errcode -1, non-200, timeout, network).",
      wechat("unavailable"),
      5,
    ),
    countAlarm(
      "wechat-config",
      "WeChat rejected our configuration (AppID, AppSecret, IP allow-list): every login fails.",
      wechat("config"),
    ),
    countAlarm(
      "wechat-throttled",
      "WeChat throttled logins (errcode 45011 or HTTP 429) at least 10 times in 5 minutes.",
      wechat("throttled"),
      10,
    ),
    {
      kind: "expression",
      key: "wechat-invalid-codes",
      description:
        `WeChat refused at least ${INVALID_CODE_PERCENT} % of login codes as invalid (40029, 40163, ` +
        `42003) over 15 minutes, with at least ${ERROR_RATE_MIN_LOGINS} logins: every code of ` +
        "an app whose AppID is not the stack's is invalid, so its users cannot sign in (401).",
      metrics: [wechat("invalid_code"), ...succeeded],
      expression: percentOf("FILL(m0, 0)", `(${sumOf(ids(succeeded.length, 1))})`),
      periodSeconds: 900,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      threshold: INVALID_CODE_PERCENT,
    },
    countAlarm(
      "wechat-unexpected",
      "WeChat answered an errcode this function does not know.",
      wechat("unexpected"),
    ),
    countAlarm(
      "function-errors",
      "The login function failed an invocation (crash, init failure, timeout): the API answers 500.",
      lambda("Errors"),
    ),
    countAlarm(
      "function-throttles",
      "Lambda throttled the login function (account or reserved concurrency): the API answers 5xx.",
      lambda("Throttles"),
    ),
    countAlarm(
      "function-duration",
      `The login function's p99 duration reached ${DURATION_ALARM_SHARE * 100} % of its ` +
        `${a.timeoutSeconds} s timeout over 5 minutes.`,
      lambda("Duration", "p99"),
      Math.round(a.timeoutSeconds * 1000 * DURATION_ALARM_SHARE),
    ),
    {
      // Deletions are rare, so one failure alarms: a user whose identity is gone but whose rows
      // are not (the run cut short after DeleteIdentities) may no longer be able to call again.
      kind: "expression",
      key: "account-errors",
      description:
        "The account function (DELETE /account) failed or was throttled: a user's deletion may " +
        "be unfinished.",
      metrics: [
        lambda("Errors", "Sum", a.accountFunctionName),
        lambda("Throttles", "Sum", a.accountFunctionName),
      ],
      expression: sumOf(ids(2)),
      periodSeconds: 300,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      threshold: 1,
    },
    {
      kind: "expression",
      key: "cognito-quota",
      description:
        `This stack's GetOpenIdTokenForDeveloperIdentity calls reached ${QUOTA_ALARM_SHARE * 100} % ` +
        `of the account's quota (${quota}/s; shared by every stack in the account and region) ` +
        "in 2 of 3 minutes.",
      // One CognitoLatency sample per call (functions/login/instrument.ts): the calls themselves,
      // not the logins, many of which fail before Cognito. One metric, not one per outcome and
      // code: an alarm's metric math may read at most 10 (docs/aws-china.md, "CloudWatch").
      metrics: [{ ...own(METRIC.cognitoLatency, a.stack), stat: "SampleCount" }],
      expression: "FILL(m0, 0) / 60",
      periodSeconds: 60,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      threshold: quota * QUOTA_ALARM_SHARE,
    },
  ];
}
