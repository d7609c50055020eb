/** Thin Lambda handler over the login domain. `makeHandler(deps)` so tests inject fakes. */
import { clientOf } from "./clientLimit";
import type { LoginConfig } from "./config";
import { DeadlineSignal } from "./deadline";
import { ConfigError, LoginError, UpstreamUnavailableError } from "./errors";
import {
  errorResponse,
  guestIdentityIdOf,
  jsonResponse,
  parseLogin,
  routeOf,
  type HttpResponse,
} from "./http";
import { instrumentDeps, recordLogin } from "./instrument";
import { login, type LoginDeps, type LoginOutcome } from "./login";
import type { MetricsPort } from "./ports";

export interface LambdaContextLike {
  readonly awsRequestId?: string;
  getRemainingTimeInMillis?: () => number;
}

export interface HandlerDeps extends LoginDeps {
  /** Stop all remote work this long before the Lambda deadline so we can still answer 503. */
  readonly deadlineMarginMs?: number;
  /** Upper bound on a whole login when no Lambda context is available (tests, bench). */
  readonly maxLoginMs?: number;
  /** Login outcome and upstream metrics (functions/login/metrics.ts); none when absent. */
  readonly metrics?: MetricsPort | undefined;
}

export type LoginHandler = (event: unknown, context?: LambdaContextLike) => Promise<HttpResponse>;

export const DEFAULT_DEADLINE_MARGIN_MS = 500;
export const DEFAULT_MAX_LOGIN_MS = 9000;

export function makeHandler(deps: HandlerDeps): LoginHandler {
  const { config } = deps;
  const margin = deps.deadlineMarginMs ?? DEFAULT_DEADLINE_MARGIN_MS;
  const maxLoginMs = deps.maxLoginMs ?? DEFAULT_MAX_LOGIN_MS;
  const { metrics } = deps;
  const measured = metrics ? instrumentDeps(deps, metrics) : deps;
  return async (event, context) => {
    const requestId = safeRequestId(event, context);
    // One controller and timer held for the whole call and cleared in `finally`: a bare
    // `AbortSignal.timeout` nobody references can be garbage-collected before it fires
    // (functions/README.md, "Timeout budget"), and a live timer would outlast a success.
    const deadline = new DeadlineSignal();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let result: { outcome: LoginOutcome } | { error: unknown };
    try {
      if (config.flow === "basic" && deps.credentials === undefined) {
        throw new ConfigError("basic flow without an STS adapter");
      }
      // The route (404 UNKNOWN_ROUTE), then the body and its app (400): all before any remote call.
      const { code, app } = parseLogin(event, routeOf(event), config);
      const guestIdentityId = guestIdentityIdOf(event, config.identityPoolId);
      const remaining = remainingMs(context);
      const budget = Math.max(1, Math.min(maxLoginMs, remaining - margin));
      timer = setTimeout(() => deadline.abort(deadlineError()), budget);
      const client =
        deps.clientLimit &&
        clientOf(event, deps.clientLimit.key, guestIdentityId, config.identityPoolId);
      const input = { appId: app.appId, code, guestIdentityId, client };
      result = { outcome: await login(measured, input, deadline) };
    } catch (err) {
      result = { error: err };
    } finally {
      clearTimeout(timer);
    }
    // The one place an invocation's result becomes a response, a failure log and a metric.
    if (metrics) recordLogin(metrics, result);
    if ("error" in result) {
      logFailure(deps, result.error, requestId);
      return errorResponse(result.error, requestId);
    }
    return jsonResponse(200, successBody(config, result.outcome));
  };
}

/** The reason `AbortSignal.timeout` would give, so adapters classify it the same way. */
function deadlineError(): Error {
  return new DOMException("invocation deadline", "TimeoutError");
}

function successBody(config: LoginConfig, o: LoginOutcome): unknown {
  if (config.flow === "basic") {
    return { identityId: o.identityId, credentials: o.credentials, region: config.region };
  }
  return {
    identityId: o.identityId,
    token: o.token,
    expiresAt: o.expiresAt.toISOString(),
    loginsKey: config.loginsKey,
    region: config.region,
    identityPoolId: config.identityPoolId,
  };
}

function remainingMs(context: LambdaContextLike | undefined): number {
  try {
    const r = context?.getRemainingTimeInMillis?.();
    return typeof r === "number" && Number.isFinite(r) ? r : Number.POSITIVE_INFINITY;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

function safeRequestId(event: unknown, context: LambdaContextLike | undefined): string {
  const fromContext = context?.awsRequestId;
  if (typeof fromContext === "string" && fromContext !== "") return fromContext.slice(0, 100);
  const rc =
    typeof event === "object" && event !== null
      ? (event as { requestContext?: unknown }).requestContext
      : undefined;
  const id =
    typeof rc === "object" && rc !== null ? (rc as { requestId?: unknown }).requestId : undefined;
  return typeof id === "string" && /^[\w-]{1,100}$/.test(id) ? id : "unknown";
}

/** Log every failure once, by kind; never the error message of an upstream, never a secret. */
function logFailure(deps: HandlerDeps, err: unknown, requestId: string): void {
  const { logger } = deps;
  try {
    if (err instanceof ConfigError) {
      logger.error("config_error", { detail: err.detail, requestId });
    } else if (err instanceof UpstreamUnavailableError) {
      logger.warn("upstream_unavailable", { upstream: err.upstream, requestId });
    } else if (err instanceof LoginError) {
      const detail = "detail" in err && typeof err.detail === "string" ? err.detail : undefined;
      const level = err.status >= 500 ? "error" : "info";
      logger[level]("login_failed", { code: err.code, status: err.status, detail, requestId });
    } else {
      // Unknown: log the type only. The message could echo an upstream payload.
      const name = err instanceof Error ? err.name : typeof err;
      logger.error("unexpected_error", { errorType: name, requestId });
    }
  } catch {
    // Logging must never turn a response into a thrown error.
  }
}
