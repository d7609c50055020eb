/** WeChat jscode2session adapter. The session_key is dropped here and never leaves this module. */
import * as z from "zod/mini";
import {
  ConfigError,
  InternalError,
  InvalidCodeError,
  LoginError,
  RateLimitedError,
  UpstreamUnavailableError,
  UserBlockedError,
  abortable,
} from "./errors";
import type { WechatPort, WechatSession } from "./ports";

/** WeChat answers in well under a second; 3 s covers a slow cross-border path. */
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

export interface WechatClientOptions {
  readonly appId: string;
  readonly baseUrl: string;
  /** Returns the AppSecret (cached). `forceFetch` after WeChat rejected the cached one. */
  readonly getSecret: SecretGetter;
  readonly timeoutMs?: number;
  readonly maxBodyBytes?: number;
  readonly fetch?: typeof fetch;
  /** Clock (ms) for the forced-re-read rate limit; tests inject one. */
  readonly nowMs?: () => number;
}

/** 1..128 printable characters: no whitespace, no control/format characters. */
const ID_PATTERN = /^[^\s\p{C}]{1,128}$/u;
const idSchema = z.string().check(z.regex(ID_PATTERN));
/** unionid: absent, null or "" all mean "no unionid" (openid fallback). */
const optionalIdSchema = z.optional(z.nullable(z.union([z.literal(""), idSchema])));
/** errcode: a number, a numeric string ("40029"), or null (= 0). */
const errcodeSchema = z.optional(
  z.nullable(z.union([z.number().check(z.int()), z.string().check(z.regex(/^\s*-?\d{1,10}\s*$/))])),
);
const responseSchema = z.object({
  errcode: errcodeSchema,
  openid: z.optional(z.nullable(idSchema)),
  unionid: optionalIdSchema,
});

/** errcodes that mean OUR configuration is wrong (appid, secret, IP allow-list, app type). */
const CONFIG_ERRCODES = new Set([40013, 40125, 41002, 41004, 40164, 61024, 40002, 40001]);
const SECRET_REJECTED = new Set([40125, 40001]);

export function makeWechatClient(opts: WechatClientOptions): WechatPort {
  const fetchImpl = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? WECHAT_TIMEOUT_MS;
  const maxBodyBytes = opts.maxBodyBytes ?? WECHAT_MAX_BODY_BYTES;
  const nowMs = opts.nowMs ?? Date.now;
  let secretRejected = false;
  let lastForcedAt = Number.NEGATIVE_INFINITY;
  return {
    async exchangeCode(code: string, signal: AbortSignal): Promise<WechatSession> {
      // Rotation without redeploy, but a wrong secret must not turn every login into a
      // Secrets Manager call: at most one forced re-read per SECRET_REFETCH_MIN_INTERVAL_MS.
      let forceFetch = false;
      if (secretRejected && nowMs() - lastForcedAt >= SECRET_REFETCH_MIN_INTERVAL_MS) {
        forceFetch = true;
        lastForcedAt = nowMs();
        secretRejected = false;
      }
      const secret = await abortable(
        opts.getSecret({ forceFetch, signal }),
        signal,
        "secretsmanager",
      );
      const url =
        `${opts.baseUrl}/sns/jscode2session?` +
        new URLSearchParams({
          appid: opts.appId,
          secret,
          js_code: code,
          grant_type: "authorization_code",
        }).toString();
      let text: string;
      try {
        const res = await fetchImpl(url, {
          method: "GET",
          headers: { accept: "application/json" },
          signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
          redirect: "error",
        });
        if (res.status === 429) throw new RateLimitedError(60);
        if (!res.ok) throw new UpstreamUnavailableError(`wechat http ${res.status}`, 1);
        text = await readCapped(res, maxBodyBytes);
      } catch (err) {
        if (err instanceof LoginError) throw err;
        // Network error, DNS, TLS, timeout or our deadline. Never echo err.message: it may
        // contain the URL, and the URL contains the secret.
        throw new UpstreamUnavailableError("wechat network", 1);
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new UpstreamUnavailableError("wechat non-json", 1);
      }
      const parsed = responseSchema.safeParse(json);
      if (!parsed.success) throw new UpstreamUnavailableError("wechat malformed response", 1);
      const { openid, unionid } = parsed.data;
      const errcode = parsed.data.errcode == null ? 0 : Number(parsed.data.errcode);
      if (errcode !== 0) throw errorFor(errcode, () => (secretRejected = true));
      if (openid == null) throw new UpstreamUnavailableError("wechat response without openid", 1);
      return { openid, unionid: unionid ? unionid : undefined };
    },
  };
}

/** Read at most `max` bytes of the body (content-length first, then while streaming). */
async function readCapped(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => undefined);
    throw new UpstreamUnavailableError("wechat oversized response", 1);
  }
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw new UpstreamUnavailableError("wechat oversized response", 1);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function errorFor(errcode: number, onSecretRejected: () => void): LoginError {
  switch (errcode) {
    case 40029: // invalid code
    case 40163: // code already used
      return new InvalidCodeError();
    case 40226: // high-risk user
      return new UserBlockedError();
    case 45011: // API minute quota per user
      return new RateLimitedError(60);
    case -1: // system busy
      return new UpstreamUnavailableError("wechat busy (-1)", 1);
  }
  if (CONFIG_ERRCODES.has(errcode)) {
    // The AppSecret may just have been rotated: fetch it fresh on a following login.
    if (SECRET_REJECTED.has(errcode)) onSecretRejected();
    return new ConfigError(`wechat rejected our configuration (errcode ${errcode})`);
  }
  return new InternalError(`wechat errcode ${errcode}`);
}
