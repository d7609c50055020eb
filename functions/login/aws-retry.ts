/**
 * Which failed AWS calls are retried: transient ones only (socket errors, timeouts, HTTP
 * 500/502/503/504), never throttling. The error types are the AWS SDK's retry classification
 * (@smithy/service-error-classification), so the light client (aws-client.ts) retries exactly
 * what the SDK clients with this strategy did.
 */

/** The subset of @smithy/types RetryStrategyV2 / RetryErrorInfo used here. */
export interface RetryToken {
  getRetryCount(): number;
  getRetryDelay(): number;
}
export interface RetryStrategy {
  acquireInitialRetryToken(scope: string): Promise<RetryToken>;
  refreshRetryTokenForRetry(token: RetryToken, info: { errorType: string }): Promise<RetryToken>;
  recordSuccess(token: RetryToken): void;
}

export type RetryErrorType = "THROTTLING" | "TRANSIENT" | "SERVER_ERROR" | "CLIENT_ERROR";

/** Retry base delay (ms), as the SDK's standard strategy; jittered, doubled per retry. */
const RETRY_BASE_DELAY_MS = 100;

/**
 * Retry only TRANSIENT errors, never THROTTLING: a retry against a throttling upstream only adds
 * to the load it reacts to and makes the caller wait for the 429 (the client backs off on
 * Retry-After instead). Attempts stay bounded by `maxAttempts` and, through the abort signal, by
 * the invocation deadline.
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

// The SDK's lists (@smithy/service-error-classification constants).
const THROTTLING_NAMES = new Set([
  "BandwidthLimitExceeded",
  "EC2ThrottledException",
  "LimitExceededException",
  "PriorRequestNotComplete",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "ThrottledException",
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "TransactionInProgressException",
]);
const TRANSIENT_NAMES = new Set(["TimeoutError", "RequestTimeout", "RequestTimeoutException"]);
const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);
const TRANSIENT_NETWORK_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT"]);

/** The SDK's classification of a failed attempt (`status` undefined: no HTTP response). */
export function retryErrorType(
  name: string,
  status: number | undefined,
  code?: string,
): RetryErrorType {
  if (status === 429 || THROTTLING_NAMES.has(name)) return "THROTTLING";
  if (TRANSIENT_NAMES.has(name) || (code !== undefined && TRANSIENT_NETWORK_CODES.has(code))) {
    return "TRANSIENT";
  }
  if (status !== undefined && TRANSIENT_STATUS.has(status)) return "TRANSIENT";
  if (status !== undefined && status >= 500) return "SERVER_ERROR";
  return "CLIENT_ERROR";
}
