import { errorResponse } from "../../functions/login/http";
import { IdentityConflictError } from "../../functions/login/ports";
import {
  ConfigError,
  InternalError,
  RateLimitedError,
  UpstreamUnavailableError,
} from "../../functions/login/errors";
import { roleSessionNameFor, userKeyFor } from "../../functions/login/login";
import {
  APP_SECRET,
  CONTEXT,
  FAKE_SECRET_ACCESS_KEY,
  FAKE_SESSION_TOKEN,
  POOL_ID,
  SESSION_KEY,
  errorOf,
  expectNoSecrets,
  guestEvent,
  harness,
  loginEvent,
  parse,
  testConfig,
  type Harness,
} from "./support";

const UNION = { openid: "oOpenId_abcdefghijklmnopqrstu", unionid: "oUnion_ABCDEFGHIJKLMNOPQRSTUV" };

async function call(h: Harness, event: unknown) {
  const raw = await h.handler(event, CONTEXT);
  expect(raw.headers["content-type"]).toBe("application/json");
  return parse(raw);
}

describe("POST /login/wechat, enhanced flow", () => {
  it("logs a first-time user in and returns everything GetCredentialsForIdentity needs", async () => {
    const h = harness("enhanced");
    h.wechat.codes.set("code-1", UNION);
    const res = await call(h, loginEvent({ code: "code-1" }));
    expect(res.statusCode).toBe(200);
    const identityId = h.cognito.byUser.get(`wechat-union#${UNION.unionid}`);
    expect(res.body).toEqual({
      identityId,
      token: h.cognito.tokens[0],
      expiresAt: "2026-01-02T03:19:05.000Z",
      loginsKey: "cognito-identity.amazonaws.com",
      region: "us-east-1",
      identityPoolId: POOL_ID,
    });
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(h.mapping.rows.get(`wechat-union#${UNION.unionid}`)).toEqual({
      pk: `wechat-union#${UNION.unionid}`,
      identityId,
      createdAt: "2026-01-02T03:04:05.000Z",
      lastLoginAt: "2026-01-02T03:04:05.000Z",
      appId: "wx0123456789abcdef",
      openid: UNION.openid,
      unionid: UNION.unionid,
    });
    expect(h.cognito.calls).toEqual([{ developerUserId: `wechat-union#${UNION.unionid}` }]);
    expectNoSecrets([h.logger.text()], h.cognito.tokens);
    expect(JSON.stringify(res.body)).not.toContain(SESSION_KEY);
  });

  it("sends appid, secret, js_code and grant_type to jscode2session", async () => {
    const h = harness("enhanced");
    h.wechat.codes.set("code-1", UNION);
    await call(h, loginEvent({ code: "code-1" }));
    const url = h.wechat.calls[0];
    expect(url?.pathname).toBe("/sns/jscode2session");
    expect(Object.fromEntries(url?.searchParams ?? [])).toEqual({
      appid: "wx0123456789abcdef",
      secret: APP_SECRET,
      js_code: "code-1",
      grant_type: "authorization_code",
    });
  });

  it("gives a returning user the same IdentityId and only refreshes lastLoginAt", async () => {
    const h = harness("enhanced");
    h.wechat.codes.set("a", UNION);
    h.wechat.codes.set("b", UNION);
    const first = await call(h, loginEvent({ code: "a" }));
    const opsBefore = h.mapping.ops.length;
    const second = await call(h, loginEvent({ code: "b" }));
    expect(second.body["identityId"]).toBe(first.body["identityId"]);
    expect(h.mapping.ops.slice(opsBefore)).toEqual(["touch"]);
    expect(h.mapping.rows.size).toBe(1);
  });

  it("keys on openid, per app, when the user has no unionid", async () => {
    const h = harness("enhanced");
    h.wechat.codes.set("c", { openid: "oNoUnion_123" });
    await call(h, loginEvent({ code: "c" }));
    expect([...h.mapping.rows.keys()]).toEqual(["wechat-open#wx0123456789abcdef#oNoUnion_123"]);
    expect(
      h.mapping.rows.get("wechat-open#wx0123456789abcdef#oNoUnion_123")?.unionid,
    ).toBeUndefined();
  });

  it("keys on openid even with a unionid when USER_KEY=openid", async () => {
    const h = harness("enhanced", { userKey: "openid" });
    h.wechat.codes.set("c", UNION);
    await call(h, loginEvent({ code: "c" }));
    expect([...h.mapping.rows.keys()]).toEqual([`wechat-open#wx0123456789abcdef#${UNION.openid}`]);
  });

  it("waits on WeChat, then Cognito and DynamoDB in parallel, for a returning user", async () => {
    const h = harness("enhanced");
    h.wechat.codes.set("a", UNION);
    h.wechat.codes.set("b", UNION);
    await call(h, loginEvent({ code: "a" }));
    h.wechat.latencyMs = 60;
    h.cognito.latencyMs = 60;
    h.mapping.latencyMs = 60;
    const t0 = performance.now();
    expect((await call(h, loginEvent({ code: "b" }))).statusCode).toBe(200);
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(115);
    expect(elapsed).toBeLessThan(175); // three sequential steps would take >= 180 ms
  });

  it("accepts a base64-encoded body", async () => {
    const h = harness("enhanced");
    h.wechat.codes.set("b64", UNION);
    const body = Buffer.from(JSON.stringify({ code: "b64" })).toString("base64");
    const res = await call(h, loginEvent(body, { isBase64Encoded: true }));
    expect(res.statusCode).toBe(200);
  });

  it("ignores an identityId in the body (never taken from the client)", async () => {
    const h = harness("enhanced");
    h.wechat.codes.set("x", UNION);
    const res = await call(
      h,
      loginEvent({ code: "x", identityId: "us-east-1:00000000-0000-4000-8000-000000000000" }),
    );
    expect(res.statusCode).toBe(200);
    expect(h.cognito.calls[0]?.identityId).toBeUndefined();
    expect(res.body["identityId"]).not.toBe("us-east-1:00000000-0000-4000-8000-000000000000");
  });
});

describe("POST /login/wechat, basic flow", () => {
  it("returns STS credentials for the identity and no OpenID token", async () => {
    const h = harness("basic");
    h.wechat.codes.set("code-1", UNION);
    const res = await call(h, loginEvent({ code: "code-1" }));
    expect(res.statusCode).toBe(200);
    const identityId = h.cognito.byUser.get(`wechat-union#${UNION.unionid}`) ?? "";
    expect(res.body).toEqual({
      identityId,
      credentials: {
        accessKeyId: "ASIAFAKEACCESSKEY123",
        secretAccessKey: FAKE_SECRET_ACCESS_KEY,
        sessionToken: FAKE_SESSION_TOKEN,
        expiration: "2030-01-01T00:00:00.000Z",
      },
      region: "us-east-1",
    });
    expect(h.sts.calls).toEqual([
      { token: h.cognito.tokens[0], roleSessionName: roleSessionNameFor(identityId) },
    ]);
    expect(JSON.stringify(res.body)).not.toContain(h.cognito.tokens[0] ?? "?");
    expectNoSecrets([h.logger.text()], h.cognito.tokens);
  });

  it("derives a valid RoleSessionName from the IdentityId", () => {
    for (const id of [
      "us-east-1:4b2a8f4e-0c1d-4e5f-8a9b-0c1d2e3f4a5b",
      "cn-north-1:4b2a8f4e-0c1d-4e5f-8a9b-0c1d2e3f4a5b",
      "",
    ]) {
      expect(roleSessionNameFor(id)).toMatch(/^[\w+=,.@-]{2,64}$/);
    }
  });

  it("returns 429 RATE_LIMITED with Retry-After when STS throttles", async () => {
    const h = harness("basic");
    h.wechat.codes.set("c", UNION);
    h.sts.failWith = new RateLimitedError(2);
    const res = await call(h, loginEvent({ code: "c" }));
    expect(res.statusCode).toBe(429);
    expect(errorOf(res).code).toBe("RATE_LIMITED");
    expect(res.headers["retry-after"]).toBe("2");
  });

  it("fails closed with 500 INTERNAL when configured for basic without an STS adapter", async () => {
    const h = harness("basic", {}, { credentials: undefined });
    h.wechat.codes.set("c", UNION);
    const res = await call(h, loginEvent({ code: "c" }));
    expect(res.statusCode).toBe(500);
    expect(h.wechat.calls).toHaveLength(0);
  });
});

describe("guest upgrade (SigV4 from an unauthenticated identity of this pool)", () => {
  const GUEST = "us-east-1:9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

  it("links a new WeChat user to the caller's guest identity", async () => {
    const h = harness("enhanced");
    h.wechat.codes.set("g", UNION);
    const res = await call(h, guestEvent("g", GUEST));
    expect(res.statusCode).toBe(200);
    expect(res.body["identityId"]).toBe(GUEST);
    expect(h.cognito.calls).toEqual([
      { developerUserId: `wechat-union#${UNION.unionid}`, identityId: GUEST },
    ]);
    expect(h.mapping.rows.get(`wechat-union#${UNION.unionid}`)?.identityId).toBe(GUEST);
  });

  it("logs a user who already has a mapping row in to their existing identity, not the guest's", async () => {
    const h = harness("enhanced");
    h.wechat.codes.set("first", UNION);
    h.wechat.codes.set("again", UNION);
    const first = await call(h, loginEvent({ code: "first" }));
    const res = await call(h, guestEvent("again", GUEST));
    expect(res.body["identityId"]).toBe(first.body["identityId"]);
    expect(h.cognito.calls[1]).toEqual({ developerUserId: `wechat-union#${UNION.unionid}` });
  });

  it("falls back to the existing identity when Cognito says the login is linked elsewhere", async () => {
    const h = harness("enhanced");
    h.wechat.codes.set("g", UNION);
    const existing = "us-east-1:11111111-2222-4333-8444-555555555555";
    h.cognito.byUser.set(`wechat-union#${UNION.unionid}`, existing); // Cognito knows; no row yet
    const res = await call(h, guestEvent("g", GUEST));
    expect(res.statusCode).toBe(200);
    expect(res.body["identityId"]).toBe(existing);
    expect(h.cognito.calls.map((c) => c.identityId)).toEqual([GUEST, undefined]);
    expect(h.mapping.rows.get(`wechat-union#${UNION.unionid}`)?.identityId).toBe(existing);
  });

  it.each([
    ["another pool", "us-east-1:00000000-0000-4000-8000-000000000000", ["unauthenticated"]],
    ["an authenticated identity", POOL_ID, ["authenticated"]],
  ])("does not link when the caller is %s", async (_label, poolId, amr) => {
    const h = harness("enhanced");
    h.wechat.codes.set("g", UNION);
    const res = await call(h, guestEvent("g", GUEST, poolId, amr));
    expect(res.statusCode).toBe(200);
    expect(res.body["identityId"]).not.toBe(GUEST);
    expect(h.cognito.calls[0]?.identityId).toBeUndefined();
  });

  it("treats an IdentityConflictError on a plain login as an internal error", async () => {
    const h = harness("enhanced");
    h.wechat.codes.set("g", UNION);
    h.cognito.failWith = new IdentityConflictError("x");
    expect((await call(h, loginEvent({ code: "g" }))).statusCode).toBe(500);
  });
});

describe("invalid requests -> 400 INVALID_REQUEST", () => {
  it.each([
    ["malformed JSON", loginEvent("{code:")],
    ["no body", loginEvent("", { body: undefined })],
    ["empty body", loginEvent("")],
    ["missing code", loginEvent({})],
    ["numeric code", loginEvent({ code: 123 })],
    ["empty code", loginEvent({ code: "" })],
    ["code with spaces", loginEvent({ code: "a b" })],
    ["oversized code", loginEvent({ code: "x".repeat(129) })],
    ["oversized body", loginEvent({ code: "ok", pad: "p".repeat(5000) })],
    ["JSON array", loginEvent([{ code: "ok" }])],
    ["JSON null", loginEvent("null")],
    ["invalid base64", loginEvent("!!!not base64!!!", { isBase64Encoded: true })],
    [
      "base64 of non-JSON",
      loginEvent(Buffer.from("hello").toString("base64"), { isBase64Encoded: true }),
    ],
    ["oversized base64", loginEvent("QUFB".repeat(2000), { isBase64Encoded: true })],
    [
      "base64 of invalid UTF-8",
      loginEvent(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString("base64"), {
        isBase64Encoded: true,
      }),
    ],
  ])("for %s", async (_label, event) => {
    const h = harness("enhanced");
    const res = await call(h, event);
    expect(res.statusCode).toBe(400);
    expect(errorOf(res)).toEqual({
      code: "INVALID_REQUEST",
      message: expect.any(String),
      requestId: "aws-req-1",
    });
    expect(h.wechat.calls).toHaveLength(0);
  });
});

describe("WeChat failures", () => {
  it.each([
    [40029, 401, "INVALID_CODE"],
    [40163, 401, "INVALID_CODE"],
    [40226, 403, "USER_BLOCKED"],
    [45011, 429, "RATE_LIMITED"],
    [-1, 503, "UPSTREAM_UNAVAILABLE"],
    [40013, 500, "INTERNAL"],
    [40125, 500, "INTERNAL"],
    [99999, 500, "INTERNAL"],
  ])("maps errcode %d to %d %s", async (errcode, status, code) => {
    const h = harness("enhanced");
    h.wechat.codes.set("c", { errcode });
    const res = await call(h, loginEvent({ code: "c" }));
    expect(res.statusCode).toBe(status);
    expect(errorOf(res).code).toBe(code);
    if (status === 429 || status === 503)
      expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
    else expect(res.headers["retry-after"]).toBeUndefined();
    expect(h.cognito.calls).toHaveLength(0);
    expectNoSecrets([JSON.stringify(res), h.logger.text()]);
  });

  it("returns 401 INVALID_CODE when WeChat says the code was already used", async () => {
    const h = harness("enhanced");
    h.wechat.codes.set("used", { errcode: 40163 });
    const res = await call(h, loginEvent({ code: "used" }));
    expect(res.statusCode).toBe(401);
    expect(errorOf(res).code).toBe("INVALID_CODE");
  });

  it("logs a config error (without the secret) when WeChat rejects the AppSecret", async () => {
    const h = harness("enhanced", {}, {});
    const wrong = harness("enhanced").wechat; // fresh fake
    const h2 = harness("enhanced", {}, { wechat: wrong.client(async () => "wrong-secret") });
    wrong.codes.set("c", UNION);
    const res = await call(h2, loginEvent({ code: "c" }));
    expect(res.statusCode).toBe(500);
    expect(h2.logger.text()).toContain("config_error");
    expect(h2.logger.text()).toContain("40125");
    expect(h2.logger.text()).not.toContain("wrong-secret");
    expect(h.logger.lines).toHaveLength(0);
  });

  it.each([
    ["an HTTP 500", "http500" as const],
    ["a network error", "network" as const],
  ])("returns 503 UPSTREAM_UNAVAILABLE with Retry-After on %s", async (_l, failure) => {
    const h = harness("enhanced");
    h.wechat.codes.set("c", failure);
    const res = await call(h, loginEvent({ code: "c" }));
    expect(res.statusCode).toBe(503);
    expect(errorOf(res).code).toBe("UPSTREAM_UNAVAILABLE");
    expect(res.headers["retry-after"]).toBe("1");
    expectNoSecrets([JSON.stringify(res), h.logger.text()]);
  });

  it("returns 503 when WeChat does not answer before the deadline", async () => {
    const h = harness("enhanced", {}, { maxLoginMs: 50 });
    h.wechat.codes.set("slow", UNION);
    h.wechat.latencyMs = 1000;
    const t0 = Date.now();
    const res = await call(h, loginEvent({ code: "slow" }));
    expect(res.statusCode).toBe(503);
    expect(Date.now() - t0).toBeLessThan(500);
  });

  it("keeps the deadline inside the Lambda's remaining time", async () => {
    const h = harness("enhanced", {}, { deadlineMarginMs: 500 });
    h.wechat.codes.set("slow", UNION);
    h.wechat.latencyMs = 2000;
    const t0 = Date.now();
    const res = await h.handler(loginEvent({ code: "slow" }), {
      awsRequestId: "r",
      getRemainingTimeInMillis: () => 600,
    });
    expect(res.statusCode).toBe(503);
    expect(Date.now() - t0).toBeLessThan(400);
  });

  it.each([
    ["a non-JSON body", "<html>busy</html>"],
    ["a response without openid", JSON.stringify({ errcode: 0 })],
    ["an openid of the wrong type", JSON.stringify({ openid: 42 })],
  ])("returns 503 on %s", async (_l, body) => {
    const h = harness("enhanced", {}, {});
    const { makeWechatClient } = await import("../../functions/login/wechat");
    const h2 = harness(
      "enhanced",
      {},
      {
        wechat: makeWechatClient({
          appId: "wx",
          baseUrl: "https://wechat.invalid",
          getSecret: async () => APP_SECRET,
          fetch: async () => new Response(body, { status: 200 }),
        }),
      },
    );
    expect((await call(h2, loginEvent({ code: "c" }))).statusCode).toBe(503);
    expect(h.cognito.calls).toHaveLength(0);
  });
});

describe("AWS failures", () => {
  it.each([
    ["Cognito throttling", "cognito", new RateLimitedError(2), 429, "RATE_LIMITED"],
    ["DynamoDB throttling", "mapping", new RateLimitedError(2), 429, "RATE_LIMITED"],
    [
      "Cognito unavailable",
      "cognito",
      new UpstreamUnavailableError("cognito"),
      503,
      "UPSTREAM_UNAVAILABLE",
    ],
    [
      "DynamoDB unavailable",
      "mapping",
      new UpstreamUnavailableError("dynamodb"),
      503,
      "UPSTREAM_UNAVAILABLE",
    ],
    ["an access-denied config error", "cognito", new ConfigError("denied"), 500, "INTERNAL"],
    ["an unexpected internal error", "mapping", new InternalError("boom"), 500, "INTERNAL"],
    [
      "a raw exception with a leaky message",
      "cognito",
      new Error(`leak ${APP_SECRET} at x.js:1`),
      500,
      "INTERNAL",
    ],
  ])("maps %s to a clean error response", async (_l, where, err, status, code) => {
    const h = harness("enhanced");
    h.wechat.codes.set("c", UNION);
    if (where === "cognito") h.cognito.failWith = err;
    else h.mapping.failWith = err;
    const raw = await h.handler(loginEvent({ code: "c" }), CONTEXT);
    const res = parse(raw);
    expect(res.statusCode).toBe(status);
    expect(errorOf(res).code).toBe(code);
    expect(errorOf(res).requestId).toBe("aws-req-1");
    expect(raw.body).not.toMatch(/boom|denied|leak|\.js:|at /);
    if (status !== 500) expect(res.headers["retry-after"]).toBeDefined();
    expectNoSecrets([raw.body, h.logger.text()]);
  });

  it("repairs the mapping to Cognito's IdentityId when they disagree (Cognito is authoritative)", async () => {
    const h = harness("enhanced");
    h.wechat.codes.set("c", UNION);
    const pk = `wechat-union#${UNION.unionid}`;
    h.mapping.rows.set(pk, {
      pk,
      identityId: "us-east-1:stale",
      createdAt: "x",
      lastLoginAt: "x",
      appId: "wx",
      openid: UNION.openid,
    });
    const res = await call(h, loginEvent({ code: "c" }));
    expect(res.body["identityId"]).toBe(h.cognito.byUser.get(pk));
    expect(h.mapping.rows.get(pk)?.identityId).toBe(h.cognito.byUser.get(pk));
    expect(h.logger.text()).toContain("mapping_identity_mismatch_repaired");
  });
});

describe("concurrency (in-memory)", () => {
  it("50 simultaneous first logins of one user end with one row and one IdentityId", async () => {
    const h = harness("enhanced");
    for (let i = 0; i < 50; i++) h.wechat.codes.set(`c${i}`, UNION);
    h.cognito.latencyMs = 5;
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => call(h, loginEvent({ code: `c${i}` }))),
    );
    expect(results.every((r) => r.statusCode === 200)).toBe(true);
    expect(new Set(results.map((r) => r.body["identityId"])).size).toBe(1);
    expect(h.mapping.rows.size).toBe(1);
  });
});

describe("error responses", () => {
  it("are produced in one place with a fixed shape", () => {
    const res = errorResponse(new RateLimitedError(60), "rid");
    expect(res.statusCode).toBe(429);
    expect(res.headers).toEqual({
      "content-type": "application/json",
      "cache-control": "no-store",
      "retry-after": "60",
    });
    expect(JSON.parse(res.body)).toEqual({
      error: { code: "RATE_LIMITED", message: expect.any(String), requestId: "rid" },
    });
    expect(JSON.parse(errorResponse("weird", "rid").body)).toEqual({
      error: { code: "INTERNAL", message: "Internal error.", requestId: "rid" },
    });
  });

  it("uses the API Gateway request id when there is no Lambda context", async () => {
    const h = harness("enhanced");
    const res = parse(await h.handler(loginEvent("{")));
    expect(errorOf(res).requestId).toBe("req-123");
  });
});

describe("user keys", () => {
  it("use the unionid namespace shared across apps, else openid per app", () => {
    const cfg = testConfig("enhanced");
    expect(userKeyFor({ openid: "o1", unionid: "u1" }, cfg).pk).toBe("wechat-union#u1");
    expect(userKeyFor({ openid: "o1", unionid: undefined }, cfg).pk).toBe(
      "wechat-open#wx0123456789abcdef#o1",
    );
    expect(userKeyFor({ openid: "o1", unionid: "u1" }, cfg).logTag).toMatch(/^[0-9a-f]{12}$/);
  });
});

describe("AppSecret rotation", () => {
  it("re-reads the AppSecret from Secrets Manager after WeChat rejects it", async () => {
    const { makeWechatClient } = await import("../../functions/login/wechat");
    const getSecret = jest.fn(async (opts?: { forceFetch?: boolean }) =>
      opts?.forceFetch ? APP_SECRET : "old-rotated-secret",
    );
    const h = harness("enhanced");
    const client = makeWechatClient({
      appId: "wx0123456789abcdef",
      baseUrl: "https://wechat.invalid",
      getSecret,
      fetch: h.wechat.fetch,
    });
    const h2 = harness("enhanced", {}, { wechat: client });
    h.wechat.codes.set("c1", UNION);
    h.wechat.codes.set("c2", UNION);
    expect((await call(h2, loginEvent({ code: "c1" }))).statusCode).toBe(500);
    expect((await call(h2, loginEvent({ code: "c2" }))).statusCode).toBe(200);
    expect(getSecret.mock.calls.map((c) => c[0]?.forceFetch)).toEqual([false, true]);
  });
});
