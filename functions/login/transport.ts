/**
 * The function's one HTTP transport over node:http/https: one request with keep-alive sockets,
 * its reply read whole up to a size cap, bounded by per-attempt timeouts (the AWS client,
 * aws-client.ts) and a signal (the invocation's, or the WeChat adapter's own deadline,
 * wechat.ts), plus the errors it fails with. One module for both upstreams: the code a first
 * login compiles is most of its cold cost (functions/README.md, "Performance").
 *
 * Over node:http/https, not `fetch`: a timeout source inside `AbortSignal.any` can be
 * garbage-collected before it fires (nodejs/node#57736), and loading undici for the first
 * `fetch` costs a cold start 30-100 ms (functions/README.md, "Timeout budget").
 */
import * as http from "node:http";
import * as https from "node:https";
import type { Deadline } from "./ports";

export interface AwsTimeouts {
  /** TCP (+TLS) connect. */
  readonly connectionTimeout: number;
  /** Request sent -> response headers. */
  readonly requestTimeout: number;
  /** Socket idle time while the body arrives, e.g. a response body that stops mid-way. */
  readonly socketTimeout: number;
  readonly maxAttempts: number;
}

/** An AWS service error (an HTTP response with an error status), shaped like the SDK's. */
export class AwsServiceError extends Error {
  readonly $fault: "client" | "server";
  readonly $metadata: { readonly httpStatusCode: number; readonly requestId?: string | undefined };
  constructor(name: string, status: number, requestId?: string) {
    super(name);
    this.name = name;
    this.$fault = status >= 500 ? "server" : "client";
    this.$metadata = { httpStatusCode: status, requestId };
  }
}

/** A reply over the size cap: not the service talking (502, retried as a server fault). */
export const tooLarge = (): AwsServiceError => new AwsServiceError("ResponseTooLarge", 502);

/** A timed-out attempt (connect, response headers or idle body), named as the SDK names it. */
export class AwsTimeoutError extends Error {
  override readonly name = "TimeoutError";
}

/** The invocation signal aborted the call. */
export class AwsAbortError extends Error {
  override readonly name = "AbortError";
}

/** One outgoing request: an AWS call (AwsRequest) or the WeChat GET. */
export interface OutgoingRequest {
  readonly method: string;
  readonly protocol: string;
  readonly hostname: string;
  readonly port?: number | undefined;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | undefined;
}

/** A signable HTTP request (what aws-client.ts signs and sends). */
export interface AwsRequest {
  method: "POST";
  protocol: string;
  hostname: string;
  port?: number | undefined;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
}

export interface AwsReply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}
/** Real AWS replies are a few KB; a larger one is not the service talking. */
const MAX_REPLY_BYTES = 1024 * 1024;
/** Keep-alive sockets shared by every AWS client of the container (one pool per upstream host). */
let httpAgent: http.Agent | undefined;
let httpsAgent: https.Agent | undefined;
/** One options object for every once-only abort listener. */
const ONCE = { once: true } as const;

export function sleep(ms: number, signal: Deadline | undefined): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AwsAbortError("aborted"));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, ONCE);
  });
}

/**
 * One HTTP attempt with three bounds when `t` is given: connect (TCP, and TLS for https),
 * response headers (from the connection being ready), idle socket while the body arrives (one
 * timer per attempt, re-armed with `refresh` while the bound stays the same). Without `t` the
 * caller bounds the attempt with `signal` alone. The signal destroys the request at once. A reply
 * over `maxBytes` (declared or streamed) fails as `ResponseTooLarge` and drops the connection.
 * `agent`: the keep-alive agents of this module by default; `false` for a new connection.
 * Redirects are not followed. A request that failed with ECONNRESET on a reused keep-alive
 * socket before any response carries `reusedSocket: true` (the server had closed it while idle:
 * the request never reached it, Node's http docs on `request.reusedSocket`).
 */
export function attempt(
  req: OutgoingRequest,
  t: AwsTimeouts | undefined,
  signal: Deadline | undefined,
  maxBytes = MAX_REPLY_BYTES,
  agent?: http.Agent | false,
): Promise<AwsReply> {
  return new Promise<AwsReply>((resolve, reject) => {
    const plain = req.protocol === "http:";
    let timer: NodeJS.Timeout | undefined;
    let timerMs = 0;
    let phase = "";
    let settled = false;
    const onTimeout = () => fail(new AwsTimeoutError(`${phase} timed out after ${timerMs} ms`));
    const arm = (ms: number | undefined, what: string) => {
      if (ms === undefined) return;
      phase = what;
      if (timer !== undefined && ms === timerMs) {
        timer.refresh();
        return;
      }
      if (timer !== undefined) clearTimeout(timer);
      timerMs = ms;
      timer = setTimeout(onTimeout, ms);
    };
    const done = () => {
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const fail = (err: unknown) => {
      if (settled) return;
      done();
      r.destroy();
      reject(err);
    };
    const onAbort = () => fail(new AwsAbortError("aborted"));
    // Header pairs as Node takes them flat (no per-header setHeader bookkeeping; still validated).
    const headers: string[] = [];
    for (const name in req.headers) headers.push(name, req.headers[name] ?? "");
    const r = (plain ? http : https).request({
      method: req.method,
      hostname: req.hostname,
      port: req.port,
      path: req.path,
      headers,
      agent:
        agent ??
        (plain
          ? (httpAgent ??= new http.Agent({ keepAlive: true, maxSockets: 50 }))
          : (httpsAgent ??= new https.Agent({ keepAlive: true, maxSockets: 50 }))),
    });
    let responded = false;
    signal?.addEventListener("abort", onAbort, ONCE);
    r.on("error", (err: NodeJS.ErrnoException) =>
      fail(
        !responded && r.reusedSocket && err.code === "ECONNRESET"
          ? Object.assign(err, { reusedSocket: true })
          : err,
      ),
    );
    r.on("socket", (socket) => {
      if (socket.connecting) {
        arm(t?.connectionTimeout, "connect");
        socket.once(plain ? "connect" : "secureConnect", () => {
          if (!settled) arm(t?.requestTimeout, "response");
        });
      } else {
        arm(t?.requestTimeout, "response");
      }
    });
    r.on("response", (res) => {
      responded = true;
      if (Number(res.headers["content-length"]) > maxBytes) return fail(tooLarge());
      arm(t?.socketTimeout, "response body");
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) return fail(tooLarge());
        chunks.push(c);
        arm(t?.socketTimeout, "response body");
      });
      res.on("error", fail);
      res.on("aborted", () =>
        fail(Object.assign(new Error("reply aborted"), { code: "ECONNRESET" })),
      );
      res.on("end", () => {
        if (settled) return;
        done();
        const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: body.toString("utf8") });
      });
    });
    r.end(req.body);
  });
}
