/**
 * WeChat jscode2session adapter. The session_key is dropped here and never leaves this module.
 *
 * The call goes over `node:https` (not `fetch`): one request, one timer this module holds for
 * the life of the call, the body read bounded by the same deadline and the size cap. A timeout
 * source inside `AbortSignal.any` can be garbage-collected before it fires (nodejs/node#57736),
 * and loading undici for the first `fetch` costs a cold start 30-100 ms.
 */
import * as http from "node:http";
import * as https from "node:https";
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
import type { WechatPort, WechatSession } from "./ports";

/** WeChat answers in well under a second; 3 s per request covers a slow cross-border path. */
export const WECHAT_TIMEOUT_MS = 3000;
/** A real jscode2session reply is ~150 bytes; anything above this is not WeChat talking. */
export const WECHAT_MAX_BODY_BYTES = 64 * 1024;
/** After WeChat rejects the AppSecret, force a Secrets Manager re-read at most this often. */
export const SECRET_REFETCH_MIN_INTERVAL_MS = 60_000;

export interface SecretGetterOptions {
  /** Bypass the cache (after WeChat rejected the cached AppSecret). */
  readonly forceFetch?: boolean;
  /** The invocation deadline: the read is abandoned (503) when it aborts. */
  readonly signal?: AbortSignal;
}

export type SecretGetter = (opts?: SecretGetterOptions) => Promise<string>;

/** An HTTP response as the adapter reads it; `destroy` releases the connection early. */
export interface HttpReply {
  readonly status: number;
  /** Declared content-length, when there is one. */
  readonly contentLength: number | undefined;
  readonly body: AsyncIterable<Uint8Array>;
  destroy(): void;
}

/** One GET. Must destroy the connection when `signal` aborts. */
export type HttpGet = (url: URL, signal: AbortSignal) => Promise<HttpReply>;

export interface WechatClientOptions {
  readonly appId: string;
  readonly baseUrl: string;
  /** Returns the AppSecret (cached). `forceFetch` after WeChat rejected the cached one. */
  readonly getSecret: SecretGetter;
  readonly timeoutMs?: number;
  readonly maxBodyBytes?: number;
  /** Transport; `nodeGet` (node:https) unless a test injects another. */
  readonly get?: HttpGet;
  /** Clock (ms) for the forced-re-read rate limit; tests inject one. */
  readonly nowMs?: () => number;
}

/** 1..128 printable characters: no whitespace, no control/format characters. */
const ID_PATTERN = /^[^\s\p{C}]{1,128}$/u;
const isId = (v: unknown): v is string => typeof v === "string" && ID_PATTERN.test(v);
/** errcode: a (safe) integer, a numeric string ("40029"), or absent/null (= 0). */
const isErrcode = (v: unknown): v is number | string | null | undefined =>
  v == null ||
  (typeof v === "number" && Number.isSafeInteger(v)) ||
  (typeof v === "string" && /^\s*-?\d{1,10}\s*$/.test(v));

/** errcodes that mean OUR configuration is wrong (appid, secret, IP allow-list, app type). */
const CONFIG_ERRCODES = new Set([40013, 40125, 41002, 41004, 40164, 61024, 40002, 40001]);
/** "invalid appsecret" (40125) and "invalid credential" (40001): maybe a rotated secret. */
const SECRET_REJECTED = new Set([40125, 40001]);
/** "invalid code" (40029) and "code been used" (40163). */
const CODE_REJECTED = new Set([40029, 40163]);

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

  const ask = async (code: string, secret: string, signal: AbortSignal): Promise<Reply> => {
    const url = new URL(`${opts.baseUrl}/sns/jscode2session`);
    url.search = new URLSearchParams({
      appid: opts.appId,
      secret,
      js_code: code,
      grant_type: "authorization_code",
    }).toString();
    return parseReply(await getText(get, url, signal, timeoutMs, maxBodyBytes));
  };

  /**
   * A newer AppSecret than `rejected`, or undefined. Rotation without redeploy, but a wrong
   * secret must not turn every login into a Secrets Manager call: at most one forced re-read per
   * SECRET_REFETCH_MIN_INTERVAL_MS, shared by the logins that are rejected meanwhile.
   */
  const newerSecret = async (rejected: string, signal: AbortSignal) => {
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

  return {
    async exchangeCode(code: string, signal: AbortSignal): Promise<WechatSession> {
      const secret = await opts.getSecret({ forceFetch: false, signal });
      const first = await ask(code, secret, signal);
      if (!SECRET_REJECTED.has(first.errcode)) return sessionOf(first);
      const fresh = await newerSecret(secret, signal);
      if (fresh === undefined) throw errorFor(first.errcode);
      const second = await ask(code, fresh, signal);
      // Whether WeChat spends a code on a request it refuses for the secret is not documented.
      // If it did, this login cannot succeed any more, but it is no configuration error and
      // not the caller's fault: 503, and the client retries with a fresh wx.login code.
      if (CODE_REJECTED.has(second.errcode)) {
        throw new UpstreamUnavailableError("wechat code spent by the rotated AppSecret", 1);
      }
      return sessionOf(second);
    },
  };
}

function sessionOf(r: Reply): WechatSession {
  if (r.errcode !== 0) throw errorFor(r.errcode);
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
  // (functions/README.md, "Performance"). unionid absent, null or "" means no unionid.
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

/**
 * GET `url` and read the body as text, all within `timeoutMs` and the invocation `signal`, under
 * one controller and one timer referenced from this frame until the call settles. Never echoes
 * an error message: the URL carries the AppSecret.
 */
async function getText(
  get: HttpGet,
  url: URL,
  signal: AbortSignal,
  timeoutMs: number,
  maxBytes: number,
): Promise<string> {
  const controller = new AbortController();
  let reply: HttpReply | undefined;
  let rejectDeadline!: (err: Error) => void;
  const deadline = new Promise<never>((_resolve, reject) => (rejectDeadline = reject));
  const expire = (what: string) => {
    controller.abort();
    reply?.destroy();
    rejectDeadline(new UpstreamUnavailableError(what, 1));
  };
  const timer = setTimeout(() => expire("wechat timeout"), timeoutMs);
  const onDeadline = () => expire("wechat (deadline)");
  signal.addEventListener("abort", onDeadline, { once: true });
  if (signal.aborted) onDeadline();
  const work = (async () => {
    reply = await get(url, controller.signal);
    if (controller.signal.aborted) reply.destroy();
    if (reply.status === 429) throw new RateLimitedError(60);
    if (reply.status !== 200) throw new UpstreamUnavailableError(`wechat http ${reply.status}`, 1);
    if (reply.contentLength !== undefined && reply.contentLength > maxBytes) {
      throw new UpstreamUnavailableError("wechat oversized response", 1);
    }
    return readBody(reply.body, maxBytes);
  })();
  try {
    return await Promise.race([work, deadline]);
  } catch (err) {
    reply?.destroy();
    if (err instanceof LoginError) throw err;
    // Network error, DNS, TLS, a reset socket. The message may contain the URL.
    throw new UpstreamUnavailableError("wechat network", 1);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onDeadline);
    work.catch(() => undefined); // settled after the deadline: nobody listens any more
    deadline.catch(() => undefined);
  }
}

/**
 * The body as text, at most `maxBytes`. A Node stream (the production transport's reply) is read
 * by its events: a stream's async iterator costs a cold start ~1-2 ms to set up
 * (functions/README.md, "Performance"). Other iterables (test transports) are iterated.
 */
function readBody(body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<string> {
  if (typeof (body as { on?: unknown }).on !== "function") return readIterable(body, maxBytes);
  const stream = body as unknown as NodeJS.ReadableStream;
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const tooLarge = () => reject(new UpstreamUnavailableError("wechat oversized response", 1));
    stream
      .on("data", (chunk: Buffer) => {
        total += chunk.byteLength;
        if (total > maxBytes) tooLarge();
        else chunks.push(chunk);
      })
      .on("error", reject)
      .on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
      // Closed before the end (a reset socket): a network failure, as the iterator reports it.
      .on("close", () => reject(new Error("wechat reply closed early")));
  });
}

async function readIterable(body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > maxBytes) throw new UpstreamUnavailableError("wechat oversized response", 1);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * The production transport: node:https (node:http only for the loopback test URLs config.ts
 * admits). Redirects are not followed (a 3xx is a non-200: 503). Keep-alive sockets come from
 * Node's global agent; a reused socket the server had already closed (ECONNRESET before any
 * response: the request never reached WeChat, so the code is unspent) is retried once on a new
 * connection, as Node's http docs recommend for `request.reusedSocket`.
 */
export const nodeGet: HttpGet = (url, signal) =>
  getOnce(url, signal).catch((err: unknown) => {
    if (!(err instanceof StaleSocketError) || signal.aborted) throw err;
    return getOnce(url, signal, true);
  });

class StaleSocketError extends Error {}

function getOnce(url: URL, signal: AbortSignal, fresh = false): Promise<HttpReply> {
  return new Promise<HttpReply>((resolve, reject) => {
    const mod = url.protocol === "https:" ? https : http;
    const req = mod.request(url, {
      method: "GET",
      headers: { accept: "application/json" },
      ...(fresh ? { agent: false } : {}),
    });
    const onAbort = () => req.destroy(new Error("aborted"));
    signal.addEventListener("abort", onAbort, { once: true });
    const done = () => signal.removeEventListener("abort", onAbort);
    req.on("error", (err: NodeJS.ErrnoException) => {
      done();
      const stale = req.reusedSocket && err.code === "ECONNRESET" && !signal.aborted;
      reject(stale ? new StaleSocketError() : err);
    });
    req.on("response", (res) => {
      res.on("error", () => undefined); // surfaced through the body iterator
      res.on("close", done);
      const declared = Number(res.headers["content-length"] ?? Number.NaN);
      resolve({
        status: res.statusCode ?? 0,
        contentLength: Number.isFinite(declared) ? declared : undefined,
        body: res,
        destroy: () => req.destroy(),
      });
    });
    req.end();
  });
}

function errorFor(errcode: number): LoginError {
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
    return new ConfigError(`wechat rejected our configuration (errcode ${errcode})`);
  }
  return new InternalError(`wechat errcode ${errcode}`);
}
