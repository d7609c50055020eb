/**
 * Bounded retries with full-jitter exponential backoff (AWS Architecture Blog, "Exponential
 * Backoff and Jitter"), never sooner than the server's Retry-After. A Retry-After longer than
 * `maxWaitMs` is not slept through: the error goes back to the app, which can tell its user.
 */
import { AuthError } from "./errors";

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Longest Retry-After the kit waits out by itself. */
  readonly maxWaitMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  maxWaitMs: 20_000,
};

export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  policy: RetryPolicy,
  clock: Clock,
  random: () => number,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (!(err instanceof AuthError) || !err.retryable || n >= policy.maxAttempts) throw err;
      const backoff = random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** n);
      const floor = err.retryAfterMs ?? 0;
      if (floor > policy.maxWaitMs) throw err;
      await clock.sleep(floor + backoff);
    }
  }
}
