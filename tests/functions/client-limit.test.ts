/**
 * The per-client login limit (docs/abuse-protection.md, "The per-client limiter") through the
 * handler, with fakes: refusal with Retry-After before Cognito, window rollover, the WeChat
 * exchange and the count side by side, hashing, env parsing, failing open.
 */
import { clientOf, readClientLimit, type ClientLimit } from "../../functions/login/clientLimit";
import { UpstreamUnavailableError } from "../../functions/login/errors";
import { windowOf } from "../../functions/login/limiter";
import type { ClientAdmission, ClientLimiterPort } from "../../functions/login/ports";
import { sleep } from "./support";
import {
  CONTEXT,
  POOL_ID,
  errorOf,
  guestEvent,
  harness,
  loginEvent,
  parse,
  type Harness,
} from "./support";

const UNION = { openid: "oOpenId_abcdefghijklmnopqrstu", unionid: "oUnion_ABCDEFGHIJKLMNOPQRSTUV" };
const IP = "203.0.113.7";
const GUEST = "us-east-1:0f3c5c2e-aaaa-4bbb-8ccc-ddddeeeeffff";

/** In-memory fixed-window counter with the adapter's semantics (refusals are not counted). */
class FakeLimiter implements ClientLimiterPort {
  readonly counts = new Map<string, number>();
  readonly clients: string[] = [];
  latencyMs = 0;
  failWith: unknown = undefined;
  events: string[] | undefined;
  constructor(readonly limit: number) {}

  async admit(client: string, now: Date, signal: AbortSignal): Promise<ClientAdmission> {
    this.events?.push("limit:start");
    try {
      this.clients.push(client);
      if (this.latencyMs > 0) await sleep(this.latencyMs, signal);
      if (this.failWith !== undefined) throw this.failWith;
      const w = windowOf(now);
      const key = `${client}#${w.start}`;
      const n = this.counts.get(key) ?? 0;
      if (n >= this.limit) return { admitted: false, retryAfterSeconds: w.retryAfterSeconds };
      this.counts.set(key, n + 1);
      return { admitted: true };
    } finally {
      this.events?.push("limit:end");
    }
  }
}

function limited(limit: number, key: ClientLimit["key"] = "sourceIp", clock?: { now: Date }) {
  const limiter = new FakeLimiter(limit);
  const h = harness(
    "enhanced",
    {},
    {
      clientLimit: { limiter, key },
      ...(clock ? { now: () => clock.now } : {}),
    },
  );
  limiter.events = h.events;
  return { h, limiter };
}

function fromIp(code: string, ip = IP) {
  return loginEvent(
    { code },
    { requestContext: { requestId: "req-ip", http: { method: "POST", sourceIp: ip } } },
  );
}

async function call(h: Harness, event: unknown) {
  return parse(await h.handler(event, CONTEXT));
}

describe("per-client login limit", () => {
  it("answers 429 RATE_LIMITED with Retry-After to the window's end, without calling Cognito", async () => {
    const { h } = limited(2);
    for (const c of ["a", "b", "c"]) h.wechat.codes.set(c, UNION);
    expect((await call(h, fromIp("a"))).statusCode).toBe(200);
    expect((await call(h, fromIp("b"))).statusCode).toBe(200);
    const cognitoCalls = h.cognito.calls.length;
    const res = await call(h, fromIp("c"));
    expect(res.statusCode).toBe(429);
    expect(errorOf(res).code).toBe("RATE_LIMITED");
    // The harness clock is 03:04:05: the minute's window ends in 55 s.
    expect(res.headers["retry-after"]).toBe("55");
    expect(h.cognito.calls).toHaveLength(cognitoCalls);
    expect(h.logger.text()).toContain("client_rate_limited");
  });

  it("counts each client apart: another IP still logs in", async () => {
    const { h } = limited(1);
    for (const c of ["a", "b", "c"]) h.wechat.codes.set(c, UNION);
    expect((await call(h, fromIp("a"))).statusCode).toBe(200);
    expect((await call(h, fromIp("b"))).statusCode).toBe(429);
    expect((await call(h, fromIp("c", "198.51.100.9"))).statusCode).toBe(200);
  });

  it("admits the client again when the window rolls over", async () => {
    const clock = { now: new Date("2026-01-02T03:04:59.400Z") };
    const { h } = limited(1, "sourceIp", clock);
    for (const c of ["a", "b", "c"]) h.wechat.codes.set(c, UNION);
    expect((await call(h, fromIp("a"))).statusCode).toBe(200);
    const refused = await call(h, fromIp("b"));
    expect(refused.statusCode).toBe(429);
    expect(refused.headers["retry-after"]).toBe("1");
    clock.now = new Date("2026-01-02T03:05:00.000Z");
    expect((await call(h, fromIp("c"))).statusCode).toBe(200);
  });

  it("counts beside the WeChat exchange: a returning user still waits on two steps in sequence", async () => {
    const { h, limiter } = limited(100);
    h.wechat.codes.set("a", UNION);
    h.wechat.codes.set("b", UNION);
    await call(h, fromIp("a"));
    h.wechat.latencyMs = 20;
    limiter.latencyMs = 20;
    h.cognito.latencyMs = 20;
    h.mapping.latencyMs = 20;
    h.events.length = 0;
    expect((await call(h, fromIp("b"))).statusCode).toBe(200);
    // Both the exchange and the count start before either ends; then Cognito and DynamoDB.
    expect(h.events.slice(0, 2).sort()).toEqual(["limit:start", "wechat:start"]);
    expect(h.events.slice(2, 4).sort()).toEqual(["limit:end", "wechat:end"]);
    expect(h.events.slice(4, 6).sort()).toEqual(["cognito:start", "touch:start"]);
    expect(h.events.slice(6).sort()).toEqual(["cognito:end", "touch:end"]);
  });

  it("aborts the WeChat exchange of a refused client as soon as the limiter answers", async () => {
    const { h, limiter } = limited(1);
    h.wechat.codes.set("a", UNION);
    h.wechat.codes.set("b", UNION);
    await call(h, fromIp("a"));
    // The limiter answers while WeChat is still on the wire.
    limiter.latencyMs = 20;
    h.wechat.latencyMs = 5000;
    const started = Date.now();
    const res = await call(h, fromIp("b"));
    expect(res.statusCode).toBe(429);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("refuses a limited client whatever WeChat answered (an invalid code too)", async () => {
    const { h } = limited(1);
    h.wechat.codes.set("a", UNION);
    await call(h, fromIp("a"));
    const res = await call(h, fromIp("not-a-code"));
    expect(res.statusCode).toBe(429);
  });

  it("lets the login through when the limiter fails, and logs it without detail", async () => {
    const { h, limiter } = limited(1);
    limiter.failWith = new UpstreamUnavailableError("dynamodb (ThrottlingException)");
    h.wechat.codes.set("a", UNION);
    expect((await call(h, fromIp("a"))).statusCode).toBe(200);
    expect(h.logger.text()).toContain("client_limit_unavailable");
    expect(h.logger.text()).not.toContain("ThrottlingException");
  });

  it("never stores or logs the raw IP: the limiter sees a hash", async () => {
    const { h, limiter } = limited(1);
    h.wechat.codes.set("a", UNION);
    h.wechat.codes.set("b", UNION);
    await call(h, fromIp("a"));
    await call(h, fromIp("b"));
    expect(limiter.clients[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(limiter.clients.join()).not.toContain(IP);
    expect(h.logger.text()).not.toContain(IP);
  });

  it("does not count a request that names no client (not from API Gateway)", async () => {
    const { h, limiter } = limited(1);
    h.wechat.codes.set("a", UNION);
    h.wechat.codes.set("b", UNION);
    expect((await call(h, loginEvent({ code: "a" }))).statusCode).toBe(200);
    expect((await call(h, loginEvent({ code: "b" }))).statusCode).toBe(200);
    expect(limiter.clients).toEqual([]);
  });

  it("with key 'identity', counts the signing guest, not its IP", async () => {
    const { h, limiter } = limited(1, "identity");
    for (const c of ["a", "b"]) h.wechat.codes.set(c, UNION);
    const signed = (code: string, ip: string) => {
      const ev = guestEvent(code, GUEST) as { requestContext: Record<string, unknown> };
      ev.requestContext["http"] = { method: "POST", sourceIp: ip };
      return ev;
    };
    expect((await call(h, signed("a", IP))).statusCode).toBe(200);
    // Same guest from another IP: still the same client.
    expect((await call(h, signed("b", "198.51.100.9"))).statusCode).toBe(429);
    expect(limiter.clients[0]).toBe(limiter.clients[1]);
  });
});

describe("clientOf", () => {
  const ev = (sourceIp: unknown) => ({ requestContext: { http: { sourceIp } } });
  it("hashes per stack scope and per address; IPv6 case does not matter", () => {
    const a = clientOf(ev(IP), "sourceIp", undefined, POOL_ID);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(clientOf(ev(IP), "sourceIp", undefined, "us-east-1:other")).not.toBe(a);
    expect(clientOf(ev("198.51.100.9"), "sourceIp", undefined, POOL_ID)).not.toBe(a);
    expect(clientOf(ev("2001:DB8::1"), "sourceIp", undefined, POOL_ID)).toBe(
      clientOf(ev("2001:db8::1"), "sourceIp", undefined, POOL_ID),
    );
  });
  it("ignores a missing or malformed source IP", () => {
    expect(clientOf({}, "sourceIp", undefined, POOL_ID)).toBeUndefined();
    expect(clientOf(ev("not an ip; drop"), "sourceIp", undefined, POOL_ID)).toBeUndefined();
    expect(clientOf(ev(42), "sourceIp", undefined, POOL_ID)).toBeUndefined();
  });
  it("falls back to the source IP for key 'identity' without a signing guest", () => {
    expect(clientOf(ev(IP), "identity", undefined, POOL_ID)).toBe(
      clientOf(ev(IP), "sourceIp", undefined, POOL_ID),
    );
  });
});

describe("windowOf", () => {
  it("is the minute holding now, with whole seconds to its end (at least 1)", () => {
    expect(windowOf(new Date("2026-01-02T03:04:05.000Z"))).toEqual({
      start: Date.UTC(2026, 0, 2, 3, 4, 0) / 1000,
      end: Date.UTC(2026, 0, 2, 3, 5, 0) / 1000,
      retryAfterSeconds: 55,
    });
    expect(windowOf(new Date("2026-01-02T03:04:59.999Z")).retryAfterSeconds).toBe(1);
    expect(windowOf(new Date("2026-01-02T03:05:00.000Z")).retryAfterSeconds).toBe(60);
  });
});

describe("readClientLimit", () => {
  it("is off when unset, and defaults the key to sourceIp", () => {
    expect(readClientLimit({})).toBeUndefined();
    expect(readClientLimit({ CLIENT_RATE_LIMIT_PER_MINUTE: "30" })).toEqual({
      requestsPerMinute: 30,
      key: "sourceIp",
    });
    expect(
      readClientLimit({ CLIENT_RATE_LIMIT_PER_MINUTE: "5", CLIENT_RATE_LIMIT_KEY: "identity" }),
    ).toEqual({ requestsPerMinute: 5, key: "identity" });
  });
  it.each([
    [{ CLIENT_RATE_LIMIT_PER_MINUTE: "0" }, "CLIENT_RATE_LIMIT_PER_MINUTE"],
    [{ CLIENT_RATE_LIMIT_PER_MINUTE: "3001" }, "CLIENT_RATE_LIMIT_PER_MINUTE"],
    [{ CLIENT_RATE_LIMIT_PER_MINUTE: "1.5" }, "CLIENT_RATE_LIMIT_PER_MINUTE"],
    [{ CLIENT_RATE_LIMIT_KEY: "identity" }, "CLIENT_RATE_LIMIT_PER_MINUTE"],
    [{ CLIENT_RATE_LIMIT_PER_MINUTE: "5", CLIENT_RATE_LIMIT_KEY: "ip" }, "CLIENT_RATE_LIMIT_KEY"],
  ])("refuses %j naming %s", (env, name) => {
    expect(() => readClientLimit(env)).toThrow(name);
  });
});
