/**
 * The transport port: one HTTP exchange, strings in and out. Platform adapters (client/transports.ts)
 * implement it with `wx.request` or `fetch`; tests with fakes. No `URL` class here: a mini-program
 * runtime does not promise one.
 */
import { AuthError } from "./errors";

export interface HttpRequest {
  readonly url: string;
  readonly method: "POST" | "GET";
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface HttpResponse {
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Rejects only when no response arrived (network error, timeout). */
export type Transport = (request: HttpRequest) => Promise<HttpResponse>;

export interface ParsedUrl {
  protocol: "https:" | "http:";
  hostname: string;
  port: number | undefined;
  /** `hostname[:port]`, as the Host header carries it. */
  host: string;
  path: string;
  query: Record<string, string>;
}

const URL_RE =
  /^(https?):\/\/([a-z0-9.-]+|\[[0-9a-f:]+\])(?::(\d{1,5}))?(\/[^?#]*)?(?:\?([^#]*))?$/i;

export function parseUrl(url: string): ParsedUrl {
  const m = URL_RE.exec(url);
  if (!m) throw new AuthError("CONFIG", `Not an http(s) URL: ${url}`);
  const hostname = (m[2] as string).toLowerCase();
  const port = m[3] === undefined ? undefined : Number(m[3]);
  const query: Record<string, string> = {};
  for (const pair of (m[5] ?? "").split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const key = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
    query[key] = eq < 0 ? "" : decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, " "));
  }
  return {
    protocol: `${(m[1] as string).toLowerCase()}:` as "https:" | "http:",
    hostname,
    port,
    host: port === undefined ? hostname : `${hostname}:${port}`,
    path: m[4] ?? "/",
    query,
  };
}

/** Lower-cases header names (wx.request hands them back as the server spelled them). */
export function lowerCaseHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof headers !== "object" || headers === null) return out;
  for (const [k, v] of Object.entries(headers as Record<string, unknown>)) {
    if (typeof v === "string" || typeof v === "number") out[k.toLowerCase()] = String(v);
  }
  return out;
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date (RFC 9110, 10.2.3). */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
