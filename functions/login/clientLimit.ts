/**
 * The per-client login limit (docs/abuse-protection.md, "The per-client limiter"): which client
 * a request is, read from the event; the limit, read from the environment; and the WeChat
 * exchange run side by side with the client's count, so a returning user still waits on two
 * remote steps in sequence.
 *
 * A client is hashed before it is counted or logged: a source IP is personal data (China's PIPL),
 * and the table keeps counters for a while after their window.
 */
import { createHash } from "node:crypto";
import { MAX_CLIENT_LOGINS_PER_MINUTE } from "../../core/quotas";
import { CLIENT_KEYS, isOneOf, type ClientKey } from "../../core/vocabulary";
import { EnvError } from "./config";
import { ClientLimitedError, LoginError, isRecord } from "./errors";
import {
  CLIENT_REFUSED,
  type ClientAdmission,
  type ClientLimiterPort,
  type LogPort,
  type WechatPort,
  type WechatSession,
  type Deadline,
} from "./ports";

export interface ClientLimit {
  readonly limiter: ClientLimiterPort;
  readonly key: ClientKey;
}

export interface ClientLimitConfig {
  readonly requestsPerMinute: number;
  readonly key: ClientKey;
}

/**
 * CLIENT_RATE_LIMIT_PER_MINUTE (1 to the stack's cap) and CLIENT_RATE_LIMIT_KEY (`sourceIp` | `identity`,
 * default `sourceIp`); both unset: the limit is off. Throws EnvError naming the variable.
 */
export function readClientLimit(
  env: Readonly<Record<string, string | undefined>>,
): ClientLimitConfig | undefined {
  const perMinute = env["CLIENT_RATE_LIMIT_PER_MINUTE"]?.trim() ?? "";
  const key = env["CLIENT_RATE_LIMIT_KEY"]?.trim() ?? "";
  if (perMinute === "" && key === "") return undefined;
  return checkedClientLimit(perMinute, key);
}

/** The limit's variables, checked (only a stack with the limit on compiles this). */
function checkedClientLimit(perMinute: string, key: string): ClientLimitConfig {
  const problems: string[] = [];
  const n = Number(perMinute);
  if (!/^\d+$/.test(perMinute) || n < 1 || n > MAX_CLIENT_LOGINS_PER_MINUTE) {
    problems.push(
      `CLIENT_RATE_LIMIT_PER_MINUTE must be an integer in 1..${MAX_CLIENT_LOGINS_PER_MINUTE}`,
    );
  }
  if (key !== "" && !isOneOf(CLIENT_KEYS, key)) {
    problems.push(`CLIENT_RATE_LIMIT_KEY must be ${CLIENT_KEYS.join(" or ")}`);
  }
  if (problems.length > 0) {
    throw new EnvError(`Invalid environment for the login function: ${problems.join("; ")}`);
  }
  return { requestsPerMinute: n, key: isOneOf(CLIENT_KEYS, key) ? key : "sourceIp" };
}

/** An IPv4 or IPv6 address as API Gateway reports it (`requestContext.http.sourceIp`). */
const SOURCE_IP = /^[0-9A-Fa-f:.]{2,45}$/;

/**
 * The hashed client of a request, or undefined when the event names none (not from API
 * Gateway): such a request is not counted. `identity` counts the signing guest, and falls back
 * to the source IP for a request without one. `scope` (the pool id) keeps hashes of different
 * stacks apart.
 */
export function clientOf(
  event: unknown,
  key: ClientKey,
  guestIdentityId: string | undefined,
  scope: string,
): string | undefined {
  if (key === "identity" && guestIdentityId !== undefined) {
    return hashClient(scope, `identity#${guestIdentityId}`);
  }
  const ctx = isRecord(event) ? event["requestContext"] : undefined;
  const http = isRecord(ctx) ? ctx["http"] : undefined;
  const ip = isRecord(http) ? http["sourceIp"] : undefined;
  if (typeof ip !== "string" || !SOURCE_IP.test(ip)) return undefined;
  return hashClient(scope, `ip#${ip.toLowerCase()}`);
}

/** 128 bits of SHA-256: a pseudonym (an IPv4 hash can be brute-forced by a table reader). */
function hashClient(scope: string, raw: string): string {
  return createHash("sha256").update(`${scope}\n${raw}`).digest("hex").slice(0, 32);
}

const ADMITTED: ClientAdmission = { admitted: true };

/**
 * Exchange the WeChat code while the client is counted. A client over its limit gets
 * ClientLimitedError (429 RATE_LIMITED) whatever WeChat answered, and its exchange is aborted as
 * soon as the limiter answers (the code may still have reached WeChat). The limiter failing (DynamoDB throttled or
 * down) lets the login through: it is a guard, not a dependency.
 */
export async function exchangeCounted(
  deps: { logger: LogPort; clientLimit?: ClientLimit | undefined },
  wechat: WechatPort,
  code: string,
  client: string | undefined,
  now: Date,
  signal: Deadline,
): Promise<WechatSession> {
  const limit = deps.clientLimit;
  if (limit === undefined || client === undefined) return wechat.exchangeCode(code, signal);
  return counted(deps.logger, limit, wechat, code, client, now, signal);
}

/**
 * exchangeCounted with the limit on. Its own function: a login without a limit never compiles
 * it (V8 compiles a function whole at its first call; functions/README.md, "Performance").
 */
async function counted(
  logger: LogPort,
  limit: ClientLimit,
  wechat: WechatPort,
  code: string,
  client: string,
  now: Date,
  signal: Deadline,
): Promise<WechatSession> {
  // Our own controller, held for the whole call (a composed signal can be collected early).
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  try {
    const admission = limit.limiter.admit(client, now, signal).then(
      (a) => {
        if (!a.admitted) controller.abort(CLIENT_REFUSED);
        return a;
      },
      (err: unknown) => {
        logger.warn("client_limit_unavailable", {
          reason: err instanceof LoginError ? err.code : "unknown",
        });
        return ADMITTED;
      },
    );
    const [session, admitted] = await Promise.allSettled([
      wechat.exchangeCode(code, controller.signal),
      admission,
    ]);
    if (admitted.status === "fulfilled" && !admitted.value.admitted) {
      logger.info("client_rate_limited", { client: client.slice(0, 12) });
      throw new ClientLimitedError(admitted.value.retryAfterSeconds);
    }
    if (session.status === "rejected") throw session.reason;
    return session.value;
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
