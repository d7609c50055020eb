/**
 * The login function's CloudWatch metrics: names, dimensions and dimension values. The function
 * emits exactly these (functions/login/metrics.ts, embedded metric format) and the alarms and
 * dashboard read exactly these (infra/monitoring.ts): one vocabulary, so an alarm can only watch
 * a metric that is emitted. Never a user id, code, token or secret in a dimension.
 */

export const METRICS_NAMESPACE = "CognitoDevAuth";

/** Environment variable the infra sets to the stack name: the `stack` dimension's value. */
export const METRICS_STACK_ENV = "METRICS_STACK";

export const METRIC = {
  /** One per successful login; dimension `outcome`. */
  loginSucceeded: "LoginSucceeded",
  /** One per failed login; dimension `code` (the response's stable error code). */
  loginFailed: "LoginFailed",
  /**
   * One per login the per-client limit refused (docs/abuse-protection.md), also counted as
   * LoginFailed RATE_LIMITED: the caller's own excess, which login-error-rate leaves out.
   */
  clientLimited: "ClientLimited",
  /** One per failed upstream call; dimensions `upstream` and `class`. */
  upstreamError: "UpstreamError",
  /**
   * One per WeChat code exchange (jscode2session, or the OAuth access_token call) that did not
   * yield a session; dimension `class`.
   */
  wechatError: "WechatError",
  /** Milliseconds per WeChat code exchange (the AppSecret read included when not cached). */
  wechatLatency: "WechatLatency",
  /** Milliseconds per GetOpenIdTokenForDeveloperIdentity call. */
  cognitoLatency: "CognitoLatency",
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** Dimension keys. Every metric carries `stack`; the others as noted on METRIC. */
export const DIMENSION = {
  stack: "stack",
  outcome: "outcome",
  code: "code",
  upstream: "upstream",
  errorClass: "class",
} as const;

/** `outcome` of LoginSucceeded: a first login, a returning user, a guest identity upgraded. */
export const LOGIN_OUTCOMES = ["new", "returning", "guestUpgrade"] as const;
export type LoginOutcomeKind = (typeof LOGIN_OUTCOMES)[number];

/** `code` of LoginFailed: the login API's stable error codes (functions/README.md, "Responses"). */
export const LOGIN_ERROR_CODES = [
  "INVALID_REQUEST",
  "UNKNOWN_APP",
  "UNKNOWN_ROUTE",
  "INVALID_CODE",
  "USER_BLOCKED",
  "RATE_LIMITED",
  "UPSTREAM_UNAVAILABLE",
  "INTERNAL",
] as const;
export type LoginErrorCode = (typeof LOGIN_ERROR_CODES)[number];

/**
 * The caller's own faults: a malformed request, an AppID or route this stack does not serve, a
 * bad or reused login code.
 */
export const CALLER_FAULT_CODES: readonly LoginErrorCode[] = [
  "INVALID_REQUEST",
  "UNKNOWN_APP",
  "UNKNOWN_ROUTE",
  "INVALID_CODE",
];

/** `upstream` of UpstreamError. */
export const UPSTREAMS = [
  "wechat",
  "cognito-identity",
  "dynamodb",
  "secretsmanager",
  "sts",
] as const;
export type Upstream = (typeof UPSTREAMS)[number];

/**
 * `class` of UpstreamError: throttled (429 / throttling exception), unavailable (5xx, timeout,
 * network, deadline), config (our configuration: access denied, rejected AppSecret, missing
 * secret), unexpected (an error nobody classified).
 */
export const UPSTREAM_ERROR_CLASSES = ["throttled", "unavailable", "config", "unexpected"] as const;
export type UpstreamErrorClass = (typeof UPSTREAM_ERROR_CLASSES)[number];

/**
 * `class` of WechatError, by errcode: invalid_code (40029, 40163, 42003), user_blocked (40226),
 * throttled (45011, HTTP 429), unavailable (-1, non-200, timeout, malformed reply), config
 * (40013, 40125, 40001, ...: appid, AppSecret, IP allow-list), unexpected (any other errcode).
 */
export const WECHAT_ERROR_CLASSES = [
  "invalid_code",
  "user_blocked",
  "throttled",
  "unavailable",
  "config",
  "unexpected",
] as const;
export type WechatErrorClass = (typeof WECHAT_ERROR_CLASSES)[number];
