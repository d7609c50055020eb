/**
 * Metrics around the ports: upstream latency and upstream errors by class, measured at the port
 * boundary so the adapters stay metric-free, and the one login outcome per invocation.
 */
import { isOneOf } from "../../core/vocabulary";
import {
  LOGIN_ERROR_CODES,
  METRIC,
  type LoginErrorCode,
  type LoginOutcomeKind,
  type Upstream,
  type UpstreamErrorClass,
  type WechatErrorClass,
} from "../../core/metrics";
import {
  ConfigError,
  InvalidCodeError,
  LoginError,
  RateLimitedError,
  UpstreamUnavailableError,
  UserBlockedError,
} from "./errors";
import type { LoginDeps, LoginOutcome } from "./login";
import {
  IdentityConflictError,
  type IdentityPort,
  type LatencyMetric,
  type MappingPort,
  type MetricsPort,
  type WechatPort,
} from "./ports";
import type { SecretGetter } from "./wechat";

/**
 * Monotonic milliseconds from process.hrtime: `performance.now()` would load perf_hooks at the
 * first login, ~3 M instructions (~1 ms CPU) that Lambda's runtime client has not paid before
 * (functions/README.md, "Performance").
 */
const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/**
 * Errors already counted for an inner upstream: the AppSecret read happens inside the WeChat
 * exchange, and its failure must count for secretsmanager, not for WeChat as well.
 */
const counted = new WeakSet<object>();

export function upstreamErrorClass(err: unknown): UpstreamErrorClass {
  if (err instanceof RateLimitedError) return "throttled";
  if (err instanceof UpstreamUnavailableError) return "unavailable";
  if (err instanceof ConfigError) return "config";
  return "unexpected";
}

export function wechatErrorClass(err: unknown): WechatErrorClass {
  if (err instanceof InvalidCodeError) return "invalid_code";
  if (err instanceof UserBlockedError) return "user_blocked";
  return upstreamErrorClass(err);
}

export function outcomeKind(o: Pick<LoginOutcome, "newUser" | "linkedGuest">): LoginOutcomeKind {
  if (o.linkedGuest) return "guestUpgrade";
  return o.newUser ? "new" : "returning";
}

/**
 * Record the invocation's result: LoginSucceeded by outcome, or LoginFailed by the code the
 * response carries (errorResponse, http.ts: a LoginError's code, else INTERNAL); then flush.
 */
export function recordLogin(
  metrics: MetricsPort,
  result: { outcome: LoginOutcome } | { error: unknown },
): void {
  try {
    if ("outcome" in result) {
      metrics.loginSucceeded(outcomeKind(result.outcome));
    } else {
      const err = result.error;
      metrics.loginFailed(err instanceof LoginError ? codeOf(err) : "INTERNAL");
    }
    metrics.flush();
  } catch {
    // Metrics must never turn a response into a thrown error.
  }
}

function codeOf(err: LoginError): LoginErrorCode {
  return isOneOf(LOGIN_ERROR_CODES, err.code) ? err.code : "INTERNAL";
}

/** Count a failed call of `upstream` (once, however many wrappers it passes through). */
function countFailure(metrics: MetricsPort, upstream: Upstream, err: unknown): void {
  if (typeof err === "object" && err !== null) {
    if (counted.has(err)) return;
    counted.add(err);
  }
  metrics.upstreamError(upstream, upstreamErrorClass(err));
}

/**
 * `call(...args)` with its failure counted for `upstream` and, with `latency`, its duration
 * recorded. The call and its arguments are passed, not a closure: one function less for V8 to
 * compile at a cold start per measured port (functions/README.md, "Performance").
 */
async function timed<A extends unknown[], T>(
  metrics: MetricsPort,
  upstream: Upstream,
  call: (...a: A) => Promise<T>,
  args: A,
  latency?: LatencyMetric,
): Promise<T> {
  const start = nowMs();
  try {
    return await call(...args);
  } catch (err) {
    if (!(err instanceof IdentityConflictError)) countFailure(metrics, upstream, err);
    throw err;
  } finally {
    if (latency) metrics.latency(latency, nowMs() - start);
  }
}

/** The deps with every port measured. Ports keep their behaviour: errors pass through as they are. */
export function instrumentDeps<D extends LoginDeps>(deps: D, metrics: MetricsPort): D {
  const { wechat, identity, mapping, credentials } = deps;
  const dynamodb =
    <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
    (...a: A) =>
      timed(metrics, "dynamodb", f, a);
  const measuredMapping: MappingPort = {
    touch: dynamodb(mapping.touch.bind(mapping)),
    create: dynamodb(mapping.create.bind(mapping)),
    replaceIdentity: dynamodb(mapping.replaceIdentity.bind(mapping)),
    claimGuest: dynamodb(mapping.claimGuest.bind(mapping)),
    usersOfIdentity: dynamodb(mapping.usersOfIdentity.bind(mapping)),
  };
  // Typed as the port, so a method left out fails to compile (a spread of `D` would hide it: the
  // unionid migration's `merge` once went missing and threw TypeError in every measured login).
  const measuredIdentity: IdentityPort = {
    getOpenIdToken: (input, signal) =>
      timed(
        metrics,
        "cognito-identity",
        identity.getOpenIdToken.bind(identity),
        [input, signal],
        METRIC.cognitoLatency,
      ),
    merge: (input, signal) =>
      timed(metrics, "cognito-identity", identity.merge.bind(identity), [input, signal]),
  };
  const measuredApps = new Map<string, WechatPort>();
  for (const [appId, port] of wechat) measuredApps.set(appId, measuredWechat(port, metrics));
  return {
    ...deps,
    wechat: measuredApps,
    identity: measuredIdentity,
    mapping: measuredMapping,
    credentials: credentials && {
      assumeRole: (input, signal) =>
        timed(metrics, "sts", credentials.assumeRole.bind(credentials), [input, signal]),
    },
  };
}

/** One app's code exchange, measured (latency, and failures by class). */
function measuredWechat(wechat: WechatPort, metrics: MetricsPort): WechatPort {
  return {
    exchangeCode: async (code, signal) => {
      const start = nowMs();
      try {
        return await wechat.exchangeCode(code, signal);
      } catch (err) {
        countWechatFailure(metrics, err);
        throw err;
      } finally {
        metrics.latency(METRIC.wechatLatency, nowMs() - start);
      }
    },
  };
}

/** A failed exchange, by WeChat class, and as a WeChat failure unless the caller's (or inner). */
function countWechatFailure(metrics: MetricsPort, err: unknown): void {
  if (typeof err === "object" && err !== null && counted.has(err)) return;
  metrics.wechatError(wechatErrorClass(err));
  if (!(err instanceof InvalidCodeError || err instanceof UserBlockedError)) {
    countFailure(metrics, "wechat", err);
  }
}

/** The AppSecret getter with its failures counted for secretsmanager. */
export function instrumentSecretGetter(get: SecretGetter, metrics: MetricsPort): SecretGetter {
  return (opts) => timed(metrics, "secretsmanager", get, [opts]);
}
