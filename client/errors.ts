/**
 * The kit's one error type. `code` is stable: the login API's own codes (INVALID_REQUEST,
 * INVALID_CODE, USER_BLOCKED, RATE_LIMITED, UPSTREAM_UNAVAILABLE, INTERNAL) pass through; the kit
 * adds its own (below). Messages never carry tokens, keys or WeChat ids.
 */
export type KitErrorCode =
  | "CONFIG"
  | "NOT_SIGNED_IN"
  | "SESSION_EXPIRED"
  | "SIGNED_OUT"
  | "NETWORK"
  | "BAD_RESPONSE"
  | "RATE_LIMITED"
  | "UPSTREAM_UNAVAILABLE"
  | "INVALID_CODE"
  | (string & {});

export class AuthError extends Error {
  override name = "AuthError";
  constructor(
    readonly code: KitErrorCode,
    message: string,
    /** Worth another attempt (throttling, outage, network). */
    readonly retryable = false,
    /** The server's Retry-After, in milliseconds, when it sent one. */
    readonly retryAfterMs?: number,
    /** HTTP status, when the error came with a response. */
    readonly status?: number,
  ) {
    super(message);
  }
}

export function isAuthError(err: unknown, code?: string): err is AuthError {
  return err instanceof AuthError && (code === undefined || err.code === code);
}
