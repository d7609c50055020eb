/**
 * The WeChat adapter's reply body over the production transport (node:http to a loopback
 * server, read by stream events): a whole reply in several chunks, a reply over the size cap
 * (declared or streamed, the test's cap and the default 64 KB), and a connection reset mid-body.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { UpstreamUnavailableError } from "../../functions/login/errors";
import { makeWechatClient } from "../../functions/login/wechat";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(handler: Handler): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const never = new AbortController().signal;
const OK = JSON.stringify({
  openid: "oOpenId_body_abcdefghijklmn",
  unionid: "oUnion_body_ABCDEFGHIJKLMN",
  session_key: "k",
});

async function exchange(handler: Handler, maxBodyBytes: number | undefined = 1024) {
  const server = await serve(handler);
  try {
    const client = makeWechatClient({
      appId: "wx5e0c7a9d3b1f2468",
      baseUrl: server.url,
      getSecret: async () => "secret",
      maxBodyBytes,
    });
    return await client.exchangeCode("code", never).then(
      (session) => ({ session }),
      (error: unknown) => ({ error }),
    );
  } finally {
    await server.close();
  }
}

describe("WeChat reply body over node:http", () => {
  it("reads a reply that arrives in several chunks", async () => {
    const out = await exchange((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write(OK.slice(0, 10));
      setTimeout(() => res.end(OK.slice(10)), 20);
    });
    expect(out).toEqual({
      session: { openid: "oOpenId_body_abcdefghijklmn", unionid: "oUnion_body_ABCDEFGHIJKLMN" },
    });
  });

  it("refuses a chunked reply over the size cap (no content-length)", async () => {
    const out = await exchange((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("x".repeat(600));
      setTimeout(() => res.end("y".repeat(600)), 20);
    });
    expect("error" in out && out.error).toBeInstanceOf(UpstreamUnavailableError);
  });

  // The default cap (WECHAT_MAX_BODY_BYTES, 64 KB): declared, or streamed without an end.
  it.each([
    ["a declared content-length over 64 KB", true],
    ["a streamed body over 64 KB", false],
  ])("answers 503 with Retry-After 1 on %s", async (_l, declared) => {
    const out = await exchange((_req, res) => {
      res.writeHead(200, {
        "content-type": "text/plain",
        ...(declared ? { "content-length": String(64 * 1024 + 1) } : {}),
      });
      if (declared) return void res.write(OK);
      const chunk = " ".repeat(16 * 1024);
      const pump = () => {
        while (res.write(chunk));
        res.once("drain", pump);
      };
      pump();
    }, undefined);
    expect("error" in out && out.error).toBeInstanceOf(UpstreamUnavailableError);
    const e = ("error" in out && out.error) as UpstreamUnavailableError;
    expect([e.status, e.code, e.retryAfterSeconds]).toEqual([503, "UPSTREAM_UNAVAILABLE", 1]);
  });

  it("maps a connection reset mid-body to 503 at once (not at the 3 s WeChat timeout)", async () => {
    const t0 = performance.now();
    const out = await exchange((req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write(OK.slice(0, 10));
      setTimeout(() => req.socket.destroy(), 20);
    });
    expect("error" in out && out.error).toBeInstanceOf(UpstreamUnavailableError);
    expect("error" in out && (out.error as UpstreamUnavailableError).status).toBe(503);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
