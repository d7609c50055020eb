/**
 * The WeChat API transport: one GET, its body read as text, under one timer and one controller
 * this module holds for the life of the call (the response headers and the body read bounded by
 * the same deadline and the size cap).
 *
 * Over `node:https`, not `fetch`: a timeout source inside `AbortSignal.any` can be
 * garbage-collected before it fires (nodejs/node#57736), and loading undici for the first
 * `fetch` costs a cold start 30-100 ms (functions/README.md, "Timeout budget").
 */
import * as http from "node:http";
import * as https from "node:https";
import { LoginError, RateLimitedError, UpstreamUnavailableError } from "./errors";

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

/**
 * GET `url` and read the body as text, all within `timeoutMs` and the invocation `signal`, under
 * one controller and one timer referenced from this frame until the call settles. Never echoes
 * an error message: the URL carries the AppSecret.
 */
export async function getText(
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
