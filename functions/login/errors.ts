/**
 * Typed errors of the login function. Each carries an HTTP status and a stable, documented code;
 * `errorResponse` (functions/login/http.ts) is the ONE place that turns them into responses.
 * Messages are fixed, client-safe strings: never an upstream message, never a secret.
 */
import type { Deadline } from "./ports";

export abstract class LoginError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  /** Seconds for the Retry-After header (429/503 only). */
  readonly retryAfterSeconds: number | undefined = undefined;
}

export class InvalidRequestError extends LoginError {
  readonly status = 400;
  readonly code = "INVALID_REQUEST";
  constructor(message = 'The request body must be JSON of the form {"code": "<wx.login code>"}.') {
    super(message);
  }
}

/** The body's `appId` (or, without one, the default mini-program) is not an app of this route. */
export class UnknownAppError extends LoginError {
  readonly status = 400;
  readonly code = "UNKNOWN_APP";
  constructor() {
    // Fixed: the caller's value is never echoed.
    super("The appId is not an app of this stack.");
  }
}

/** An API Gateway route this function does not serve (`routeKey` neither login route). */
export class UnknownRouteError extends LoginError {
  readonly status = 404;
  readonly code = "UNKNOWN_ROUTE";
  constructor() {
    super("This route is not served by the login function.");
  }
}

/** WeChat 40029 (invalid code), 40163 (code already used), 42003 (OAuth code expired). */
export class InvalidCodeError extends LoginError {
  readonly status = 401;
  readonly code = "INVALID_CODE";
  constructor() {
    super("The WeChat login code is invalid, expired or already used. Call wx.login again.");
  }
}

/** WeChat 40226: high-risk user blocked by WeChat. */
export class UserBlockedError extends LoginError {
  readonly status = 403;
  readonly code = "USER_BLOCKED";
  constructor() {
    super("WeChat refused this user.");
  }
}

/** WeChat 45011, or AWS throttling (Cognito, STS, DynamoDB): ask the client to back off. */
export class RateLimitedError extends LoginError {
  readonly status = 429;
  readonly code = "RATE_LIMITED";
  override readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super("Too many login attempts. Retry later.");
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * The per-client limit refused the caller (clientLimit.ts): RATE_LIMITED like any throttling,
 * but the caller's own excess, so the metrics count it apart (core/metrics.ts ClientLimited).
 */
export class ClientLimitedError extends RateLimitedError {}

/** WeChat -1, HTTP failures, timeouts, network errors, AWS 5xx. Retryable. */
export class UpstreamUnavailableError extends LoginError {
  readonly status = 503;
  readonly code = "UPSTREAM_UNAVAILABLE";
  override readonly retryAfterSeconds: number;
  constructor(
    /** Which upstream failed; logged, never returned to the client. */
    readonly upstream: string,
    retryAfterSeconds = 1,
  ) {
    super("A service this login depends on is unavailable. Retry later.");
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A 500 INTERNAL: the client learns nothing; `detail` is logged only, never a secret value. */
abstract class ServerFault extends LoginError {
  readonly status = 500;
  readonly code = "INTERNAL";
  constructor(readonly detail: string) {
    super("Internal error.");
  }
}

/**
 * Our own misconfiguration (e.g. WeChat 40013 invalid appid, 40125 invalid secret, missing env,
 * AccessDenied from AWS). Logged as a config error (never with values).
 */
export class ConfigError extends ServerFault {}

/** Anything we did not anticipate. */
export class InternalError extends ServerFault {}

const THROTTLING = new Set([
  "TooManyRequestsException", // Cognito Identity
  "ThrottlingException", // DynamoDB, STS, Secrets Manager
  "Throttling", // STS (query protocol)
  "ProvisionedThroughputExceededException", // DynamoDB
  "RequestLimitExceeded", // DynamoDB account-level
  "ThrottledException",
]);

const UNAVAILABLE = new Set([
  "InternalErrorException", // Cognito Identity
  "InternalServerError", // DynamoDB
  "InternalServiceError", // Secrets Manager
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "LimitExceededException", // Cognito/DynamoDB: control-plane/resource limits, transient for us
  "TimeoutError", // smithy request/connection timeout
  "AbortError", // our invocation deadline
  "RequestTimeout",
  "RequestTimeoutException",
  "IDPCommunicationError", // STS
]);

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
]);

/**
 * Classify an error thrown by an AWS SDK v3 call into a typed LoginError. Adapters call this; the
 * domain sees only LoginErrors (plus the few service errors it handles, checked by `awsErrorName`).
 */
export function classifyAwsError(upstream: string, err: unknown): LoginError {
  if (err instanceof LoginError) return err;
  const name = awsErrorName(err);
  if (THROTTLING.has(name)) return new RateLimitedError(2);
  const what = `${upstream} (${name || "unknown"})`;
  const rec = isRecord(err) ? err : {};
  const meta = isRecord(rec["$metadata"]) ? rec["$metadata"] : {};
  const status = typeof meta["httpStatusCode"] === "number" ? meta["httpStatusCode"] : undefined;
  const code = typeof rec["code"] === "string" ? rec["code"] : "";
  if (UNAVAILABLE.has(name) || NETWORK_CODES.has(code) || (status !== undefined && status >= 500)) {
    return new UpstreamUnavailableError(what, 1);
  }
  if (status === undefined && !("$fault" in rec) && (code !== "" || name === "Error")) {
    // No HTTP response at all (socket errors surface as plain Errors with a code).
    return new UpstreamUnavailableError(`${upstream} (${code || name})`, 1);
  }
  if (
    name === "AccessDeniedException" ||
    name === "AccessDenied" ||
    name.startsWith("NotAuthorized")
  ) {
    return new ConfigError(`${upstream} denied access (${name})`);
  }
  return new InternalError(`${upstream} failed (${name || "unknown"})`);
}

export function awsErrorName(err: unknown): string {
  if (!isRecord(err)) return "";
  const name = err["name"];
  return typeof name === "string" ? name : "";
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}

/**
 * Settle with `p`, or reject with UpstreamUnavailableError(upstream) as soon as `signal` aborts
 * (the invocation deadline). For calls shared by several callers (the cached Secrets Manager
 * read, secrets.ts): the abandoned call keeps running but is bounded by the AWS client's own
 * timeouts, and its late rejection is swallowed here (never an unhandled rejection).
 */
export function abortable<T>(p: Promise<T>, signal: Deadline, upstream: string): Promise<T> {
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.reject(new UpstreamUnavailableError(`${upstream} (deadline)`, 1));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new UpstreamUnavailableError(`${upstream} (deadline)`, 1));
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}
