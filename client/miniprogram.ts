/**
 * Client kit, mini-program entry (built to client/dist/miniprogram.js, CommonJS): `wx.request`,
 * `wx.*StorageSync`, and `wx.login` for fresh login codes. Needs nothing but `wx`, timers and
 * `console`.
 */
import { DevAuthClient, type KitOptions } from "./session";
import { wxStorage, type WxStorageApi } from "./storage";
import { wxTransport, type WxRequestApi } from "./transports";

export { DevAuthClient } from "./session";
export { AuthError, isAuthError } from "./errors";
/** Exported so app code (and the tests) can sign other execute-api calls the same way. */
export { signRequest } from "./sign";

interface WxLoginApi {
  login(options: {
    timeout?: number;
    success(res: { code?: string }): void;
    fail(err: { errMsg?: string }): void;
  }): void;
}

type Wx = WxRequestApi & WxStorageApi & WxLoginApi;

/** A fresh `wx.login` code (single-use, about five minutes: docs/wechat.md). */
export function wxLoginCode(wx: WxLoginApi): Promise<string> {
  return new Promise((resolve, reject) =>
    wx.login({
      success: (res) =>
        res.code ? resolve(res.code) : reject(new Error("wx.login returned no code")),
      fail: (err) => reject(new Error(err.errMsg ?? "wx.login failed")),
    }),
  );
}

/** `createClient(appConfig)` in a mini-program; `wx` defaults to the global one. */
export function createClient(
  config: unknown,
  opts: Partial<KitOptions> & { wx?: Wx } = {},
): DevAuthClient {
  const wx = opts.wx ?? (globalThis as unknown as { wx: Wx }).wx;
  return new DevAuthClient(config, {
    ...opts,
    transport: opts.transport ?? wxTransport(wx),
    storage: opts.storage ?? wxStorage(wx),
    getLoginCode: opts.getLoginCode ?? (() => wxLoginCode(wx)),
  });
}
