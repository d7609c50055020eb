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
} from "./errors";
import type { WechatPort, WechatSession } from "./ports";

/** WeChat answers in well under a second; 3 s covers a slow cross-border path. */
export const WECHAT_TIMEOUT_MS = 3000;

export interface WechatClientOptions {
  readonly appId: string;
  readonly baseUrl: string;
  /** Returns the AppSecret (cached). `forceFetch` after WeChat rejected the cached one. */
  readonly getSecret: (opts?: { forceFetch?: boolean }) => Promise<string>;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

const idSchema = z.string().check(z.minLength(1), z.maxLength(128), z.regex(/^[\w-]+$/));
const responseSchema = z.object({
  errcode: z.optional(z.number()),
  openid: z.optional(idSchema),
  unionid: z.optional(idSchema),
});

/** errcodes that mean OUR configuration is wrong (appid, secret, IP allow-list, app type). */
const CONFIG_ERRCODES = new Set([40013, 40125, 41002, 41004, 40164, 61024, 40002, 40001]);
const SECRET_REJECTED = new Set([40125, 40001]);

export function makeWechatClient(opts: WechatClientOptions): WechatPort {
  const fetchImpl = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? WECHAT_TIMEOUT_MS;
  let secretRejected = false;
  return {
    async exchangeCode(code: string, signal: AbortSignal): Promise<WechatSession> {
      const secret = await opts.getSecret({ forceFetch: secretRejected });
      secretRejected = false;
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
        text = await res.text();
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
      const { errcode, openid, unionid } = parsed.data;
      if (errcode !== undefined && errcode !== 0)
        throw errorFor(errcode, () => (secretRejected = true));
      if (openid === undefined)
        throw new UpstreamUnavailableError("wechat response without openid", 1);
      return { openid, unionid };
    },
  };
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
    // The AppSecret may just have been rotated: fetch it fresh on the next login.
    if (SECRET_REJECTED.has(errcode)) onSecretRejected();
    return new ConfigError(`wechat rejected our configuration (errcode ${errcode})`);
  }
  return new InternalError(`wechat errcode ${errcode}`);
}
