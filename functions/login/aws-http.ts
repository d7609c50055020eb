/**
 * One HTTP attempt of the AWS client (aws-client.ts) over node:http/https with keep-alive sockets,
 * bounded by per-attempt timeouts and the invocation signal, plus the errors it fails with.
 */
import * as http from "node:http";
import * as https from "node:https";

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

/** A timed-out attempt (connect, response headers or idle body), named as the SDK names it. */
export class AwsTimeoutError extends Error {
  override readonly name = "TimeoutError";
}

/** The invocation signal aborted the call. */
export class AwsAbortError extends Error {
  override readonly name = "AbortError";
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
/** Real replies are a few KB; a larger one is not the service talking. */
const MAX_REPLY_BYTES = 1024 * 1024;
let agents: { http: http.Agent; https: https.Agent } | undefined;
/** Keep-alive sockets shared by every client of the container (one per upstream host). */
function agentFor(protocol: string): http.Agent {
  agents ??= {
    http: new http.Agent({ keepAlive: true, maxSockets: 50 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 50 }),
  };
  return protocol === "http:" ? agents.http : agents.https;
}
/** One options object for every once-only abort listener. */
const ONCE = { once: true } as const;

export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
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

/** Header pairs as Node takes them flat (no per-header setHeader bookkeeping; still validated). */
function headerList(headers: Readonly<Record<string, string>>): string[] {
  const list: string[] = [];
  for (const name of Object.keys(headers)) list.push(name, headers[name] ?? "");
  return list;
}

/**
 * One HTTP attempt with three bounds: connect (TCP, and TLS for https), response headers (from
 * the connection being ready), idle socket while the body arrives. The invocation signal
 * destroys the request at once. One timer per attempt, re-armed (`refresh`) while the bound
 * stays the same.
 */
export function attempt(
  req: AwsRequest,
  t: AwsTimeouts,
  signal: AbortSignal | undefined,
): Promise<AwsReply> {
  return new Promise<AwsReply>((resolve, reject) => {
    const plain = req.protocol === "http:";
    let timer: NodeJS.Timeout | undefined;
    let timerMs = 0;
    let phase = "";
    let settled = false;
    const onTimeout = () => fail(new AwsTimeoutError(`${phase} timed out after ${timerMs} ms`));
    const arm = (ms: number, what: string) => {
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
    const r = (plain ? http : https).request({
      method: req.method,
      hostname: req.hostname,
      port: req.port,
      path: req.path,
      headers: headerList(req.headers),
      agent: agentFor(req.protocol),
    });
    signal?.addEventListener("abort", onAbort, ONCE);
    r.on("error", fail);
    r.on("socket", (socket) => {
      if (socket.connecting) {
        arm(t.connectionTimeout, "connect");
        socket.once(plain ? "connect" : "secureConnect", () => {
          if (!settled) arm(t.requestTimeout, "response");
        });
      } else {
        arm(t.requestTimeout, "response");
      }
    });
    r.on("response", (res) => {
      arm(t.socketTimeout, "response body");
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_REPLY_BYTES) return fail(new AwsServiceError("ResponseTooLarge", 502));
        chunks.push(c);
        arm(t.socketTimeout, "response body");
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
