/**
 * WeChat login adapters, one per app kind (docs/wechat.md, "Login APIs"): a mini-program's
 * wx.login code goes to jscode2session, an Open Platform app's OAuth code to
 * sns/oauth2/access_token. Only openid and unionid leave this module: the session_key, and the
 * OAuth access_token, refresh_token and scope, are dropped here (never returned, logged or
 * stored). The request goes through the function's one HTTP transport (./transport.ts) under
 * one timer this module holds for the whole call (response headers and body read alike).
 */
import * as http from "node:http";
import * as https from "node:https";
import { PRINTABLE_ASCII_TOKEN } from "../../core/ids";
import type { WechatAppKind } from "../../core/vocabulary";
import {
  ConfigError,
  InternalError,
  isRecord,
  InvalidCodeError,
  LoginError,
  RateLimitedError,
  UpstreamUnavailableError,
  UserBlockedError,
} from "./errors";
import type { Deadline, WechatPort, WechatSession } from "./ports";
import { DeadlineSignal } from "./deadline";
import { attempt } from "./transport";

/** A WeChat reply as the adapter reads it: the status and the whole body as text. */
export interface HttpReply {
  readonly status: number;
  readonly body: string;
}

/**
 * One GET of `url`, its body read whole, failing once the body passes `maxBytes`. Must stop (and
 * release the connection) when `signal` aborts: that signal carries the call's deadline.
 */
export type HttpGet = (url: URL, signal: Deadline, maxBytes: number) => Promise<HttpReply>;

/** WeChat answers in well under a second; 3 s per request covers a slow cross-border path. */
export const WECHAT_TIMEOUT_MS = 3000;
/** A real reply is ~150 bytes (OAuth ~400); anything above this is not WeChat talking. */
export const WECHAT_MAX_BODY_BYTES = 64 * 1024;
/** After WeChat rejects the AppSecret, force a Secrets Manager re-read at most this often. */
export const SECRET_REFETCH_MIN_INTERVAL_MS = 60_000;

export interface SecretGetterOptions {
  /** Bypass the cache (after WeChat rejected the cached AppSecret). */
  readonly forceFetch?: boolean;
  /** The invocation deadline: the read is abandoned (503) when it aborts. */
  readonly signal?: Deadline;
}

export type SecretGetter = (opts?: SecretGetterOptions) => Promise<string>;

export interface WechatClientOptions {
  readonly appId: string;
  /** Which exchange the app's codes go to; `miniprogram` (jscode2session) when absent. */
  readonly kind?: WechatAppKind;
  readonly baseUrl: string;
  /** Returns the AppSecret (cached). `forceFetch` after WeChat rejected the cached one. */
  readonly getSecret: SecretGetter;
  readonly timeoutMs?: number;
  readonly maxBodyBytes?: number;
  /** Transport; `nodeGet` (node:https) unless a test injects another. */
  readonly get?: HttpGet | undefined;
  /** Clock (ms) for the forced-re-read rate limit; tests inject one. */
  readonly nowMs?: () => number;
}

/**
 * 1..128 printable characters: no whitespace, no control/format characters. Real openids and
 * unionids are ASCII (28 letters, digits, `-` and `_`), so they are checked by an ASCII class
 * first, and the Unicode property class is built only for other ids: V8 checks a regex literal's
 * syntax when it parses the script, and for `\p{C}` that meant building ICU's property set, ~1.7 M
 * instructions (~0.5 ms) of every cold start, used or not; compiling it at a first use costs
 * ~0.2-0.5 ms more (functions/README.md, "Performance").
 */
let unicodeId: RegExp | undefined;
const isId = (v: unknown): v is string =>
  typeof v === "string" &&
  (PRINTABLE_ASCII_TOKEN.test(v) ||
    (unicodeId ??= new RegExp("^[^\\s\\p{C}]{1,128}$", "u")).test(v));
/** errcode: a (safe) integer, a numeric string ("40029"), or absent/null (= 0). */
const isErrcode = (v: unknown): v is number | string | null | undefined =>
  v == null ||
  (typeof v === "number" && Number.isSafeInteger(v)) ||
  (typeof v === "string" && /^\s*-?\d{1,10}\s*$/.test(v));

/** errcodes that mean OUR configuration is wrong (appid, secret, IP allow-list, app type). */
const CONFIG_ERRCODES = new Set([40013, 40125, 41002, 41004, 40164, 61024, 40002, 40001]);
/** "invalid appsecret" (40125) and "invalid credential" (40001): maybe a rotated secret. */
const SECRET_REJECTED = new Set([40125, 40001]);
/**
 * The code is the caller's problem: invalid (40029), already used (40163), or, for an OAuth code,
 * expired (42003; docs/wechat.md, "Error codes").
 */
const CODE_REJECTED = new Set([40029, 40163, 42003]);

/** Path and code parameter of each kind's exchange (docs/wechat.md, "Login APIs"). */
const EXCHANGES: Readonly<Record<WechatAppKind, { path: string; codeParam: string }>> = {
  miniprogram: { path: "/sns/jscode2session", codeParam: "js_code" },
  oauth: { path: "/sns/oauth2/access_token", codeParam: "code" },
};

interface Reply {
  readonly errcode: number;
  readonly openid: string | null | undefined;
  readonly unionid: string | null | undefined;
}

export function makeWechatClient(opts: WechatClientOptions): WechatPort {
  const get = opts.get ?? nodeGet;
  const timeoutMs = opts.timeoutMs ?? WECHAT_TIMEOUT_MS;
  const maxBodyBytes = opts.maxBodyBytes ?? WECHAT_MAX_BODY_BYTES;
  const nowMs = opts.nowMs ?? Date.now;
  let lastForcedAt = Number.NEGATIVE_INFINITY;
  /** The value of the last forced re-read, and the re-read in flight (shared). */
  let forcedValue: string | undefined;
  let forcing: Promise<string> | undefined;
  const exchange = EXCHANGES[opts.kind ?? "miniprogram"];

  const ask = async (code: string, secret: string, signal: Deadline): Promise<Reply> => {
    // Built with encodeURIComponent rather than URLSearchParams, whose first use costs the first
    // login ~0.2 ms; every value is printable ASCII (config.ts, http.ts), encoded either way.
    const query =
      `appid=${encodeURIComponent(opts.appId)}&secret=${encodeURIComponent(secret)}` +
      `&${exchange.codeParam}=${encodeURIComponent(code)}&grant_type=authorization_code`;
    const url = new URL(`${opts.baseUrl}${exchange.path}?${query}`);
    // One controller and one timer held in this frame until the call settles: the whole call,
    // headers and body, within timeoutMs and the invocation deadline (functions/README.md,
    // "Timeout budget").
    const controller = new DeadlineSignal();
    let expired = "wechat timeout";
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const onDeadline = () => {
      expired = "wechat (deadline)";
      controller.abort();
    };
    signal.addEventListener("abort", onDeadline, ONCE);
    if (signal.aborted) onDeadline();
    let reply: HttpReply;
    try {
      reply = await get(url, controller, maxBodyBytes);
    } catch (err) {
      throw transportError(err, controller.aborted ? expired : undefined);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", onDeadline);
    }
    if (reply.status === 429) throw new RateLimitedError(60);
    if (reply.status !== 200) throw new UpstreamUnavailableError(`wechat http ${reply.status}`, 1);
    return parseReply(reply.body);
  };

  /**
   * A newer AppSecret than `rejected`, or undefined. Rotation without redeploy, but a wrong
   * secret must not turn every login into a Secrets Manager call: at most one forced re-read per
   * SECRET_REFETCH_MIN_INTERVAL_MS, shared by the logins that are rejected meanwhile.
   */
  const newerSecret = async (rejected: string, signal: Deadline) => {
    const recent = nowMs() - lastForcedAt < SECRET_REFETCH_MIN_INTERVAL_MS;
    if (recent && forcing === undefined) {
      return forcedValue !== undefined && forcedValue !== rejected ? forcedValue : undefined;
    }
    if (forcing === undefined) {
      lastForcedAt = nowMs();
      forcing = opts.getSecret({ forceFetch: true, signal }).finally(() => {
        forcing = undefined;
      });
    }
    forcedValue = await forcing;
    return forcedValue !== rejected ? forcedValue : undefined;
  };

  /** After WeChat rejected the AppSecret: once more with a newer one, if there is one. */
  const retryRotated = async (code: string, secret: string, first: Reply, signal: Deadline) => {
    const fresh = await newerSecret(secret, signal);
    if (fresh === undefined) throw errorFor(first.errcode, opts.appId);
    const second = await ask(code, fresh, signal);
    // Whether WeChat spends a code on a request it refuses for the secret is not documented.
    // If it did, this login cannot succeed any more, but it is no configuration error and
    // not the caller's fault: 503, and the client retries with a fresh wx.login code.
    if (CODE_REJECTED.has(second.errcode)) {
      throw new UpstreamUnavailableError("wechat code spent by the rotated AppSecret", 1);
    }
    return sessionOf(second, opts.appId);
  };

  return {
    async exchangeCode(code: string, signal: Deadline): Promise<WechatSession> {
      const secret = await opts.getSecret({ forceFetch: false, signal });
      const first = await ask(code, secret, signal);
      if (!SECRET_REJECTED.has(first.errcode)) return sessionOf(first, opts.appId);
      return retryRotated(code, secret, first, signal);
    },
  };
}

const ONCE = { once: true } as const;

/**
 * The error of a failed GET: the deadline that stopped it (`expired`), the size cap, or the
 * network (DNS, TLS, a reset socket). Never echoes the error: the URL carries the AppSecret.
 */
function transportError(err: unknown, expired: string | undefined): LoginError {
  if (err instanceof LoginError) return err;
  if (expired !== undefined) return new UpstreamUnavailableError(expired, 1);
  const tooLarge = isRecord(err) && err["name"] === "ResponseTooLarge";
  return new UpstreamUnavailableError(tooLarge ? "wechat oversized response" : "wechat network", 1);
}

/**
 * The production transport (./transport.ts): node:https (node:http only for the loopback test
 * URLs config.ts admits) over Node's global keep-alive agent, no per-phase timers (the caller's
 * signal carries the deadline). A reused socket the server had already closed (ECONNRESET
 * before any response: the request never reached WeChat, so the code is unspent) is retried once
 * on a new connection, as Node's http docs recommend for `request.reusedSocket`.
 */
export const nodeGet: HttpGet = (url, signal, maxBytes) =>
  getOnce(url, signal, maxBytes, false).catch((err: unknown) => {
    if (!isRecord(err) || err["reusedSocket"] !== true || signal.aborted) throw err;
    return getOnce(url, signal, maxBytes, true);
  });

function getOnce(url: URL, signal: Deadline, maxBytes: number, fresh: boolean) {
  const plain = url.protocol === "http:";
  const host = url.hostname;
  const req = {
    method: "GET",
    protocol: url.protocol,
    // URL keeps an IPv6 literal's brackets; node:http takes the bare address.
    hostname: host.startsWith("[") ? host.slice(1, -1) : host,
    port: url.port === "" ? undefined : Number(url.port),
    path: `${url.pathname}${url.search}`,
    // Flat header lists (./transport.ts) get no automatic Host header.
    headers: { host: url.host, accept: "application/json" },
  };
  return attempt(
    req,
    undefined,
    signal,
    maxBytes,
    fresh ? false : (plain ? http : https).globalAgent,
  );
}

function sessionOf(r: Reply, appId: string): WechatSession {
  if (r.errcode !== 0) throw errorFor(r.errcode, appId);
  if (r.openid == null) throw new UpstreamUnavailableError("wechat response without openid", 1);
  return { openid: r.openid, unionid: r.unionid ? r.unionid : undefined };
}

function parseReply(text: string): Reply {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UpstreamUnavailableError("wechat non-json", 1);
  }
  // Checked by hand, not with a schema library: a few lines instead of ~7 % of the cold start
  // (functions/README.md, "Performance"). unionid absent, null or "" means no unionid. Only
  // these three fields are read: session_key, access_token, refresh_token, scope are dropped.
  const r = isRecord(json) && !Array.isArray(json) ? json : undefined;
  const errcode = r?.["errcode"];
  const openid = r?.["openid"];
  const unionid = r?.["unionid"];
  if (
    !r ||
    !isErrcode(errcode) ||
    !(openid == null || isId(openid)) ||
    !(unionid == null || unionid === "" || isId(unionid))
  ) {
    throw new UpstreamUnavailableError("wechat malformed response", 1);
  }
  return { errcode: errcode == null ? 0 : Number(errcode), openid, unionid };
}

/** The error of a WeChat errcode; a configuration error names the app (AppIDs are public). */
function errorFor(errcode: number, appId: string): LoginError {
  if (CODE_REJECTED.has(errcode)) return new InvalidCodeError();
  switch (errcode) {
    case 40226: // high-risk user
      return new UserBlockedError();
    case 45011: // API minute quota per user
      return new RateLimitedError(60);
    case -1: // system busy
      return new UpstreamUnavailableError("wechat busy (-1)", 1);
  }
  if (CONFIG_ERRCODES.has(errcode)) {
    return new ConfigError(
      `wechat rejected our configuration of app ${appId} (errcode ${errcode})`,
    );
  }
  return new InternalError(`wechat errcode ${errcode}`);
}
