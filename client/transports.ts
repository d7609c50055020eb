/** Transports: `wx.request` for mini-programs, `fetch` for browsers and Node. */
import { lowerCaseHeaders, type HttpResponse, type Transport } from "./http";

export const DEFAULT_TIMEOUT_MS = 10_000;

export interface WxRequestApi {
  request(options: {
    url: string;
    method: string;
    header: Record<string, string>;
    data: string;
    dataType: string;
    responseType: "text";
    timeout: number;
    success(res: { statusCode: number; header: unknown; data: unknown }): void;
    fail(err: { errMsg?: string }): void;
  }): unknown;
}

/**
 * `wx.request` with the body sent as the string given (a string `data` is not re-encoded) and the
 * answer kept as text: any `dataType` other than `json` turns off wx's own JSON.parse, which
 * would lose STS's XML and Cognito's error bodies.
 */
export function wxTransport(wx: WxRequestApi, timeoutMs = DEFAULT_TIMEOUT_MS): Transport {
  return (req) =>
    new Promise<HttpResponse>((resolve, reject) => {
      wx.request({
        url: req.url,
        method: req.method,
        header: { ...req.headers },
        data: req.body,
        dataType: "text",
        responseType: "text",
        timeout: timeoutMs,
        success: (res) =>
          resolve({
            status: res.statusCode,
            headers: lowerCaseHeaders(res.header),
            body: typeof res.data === "string" ? res.data : JSON.stringify(res.data ?? ""),
          }),
        fail: (err) => reject(new Error(err.errMsg ?? "wx.request failed")),
      });
    });
}

type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{
  status: number;
  headers: { forEach(cb: (value: string, key: string) => void): void };
  text(): Promise<string>;
}>;

export function fetchTransport(
  fetchFn: FetchLike = globalThis.fetch as unknown as FetchLike,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Transport {
  return async (req) => {
    // Our own controller and timer, held for the whole call (AbortSignal.timeout can be
    // garbage-collected before it fires: nodejs/node#57736).
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const res = await fetchFn(req.url, {
        method: req.method,
        headers: { ...req.headers },
        body: req.body,
        signal: controller.signal,
      });
      const headers: Record<string, string> = {};
      res.headers.forEach((value, key) => (headers[key.toLowerCase()] = value));
      return { status: res.status, headers, body: await res.text() };
    } finally {
      clearTimeout(timer);
    }
  };
}
