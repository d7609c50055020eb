import { errorResponse } from "../../functions/login/http";
import { makeSecretGetter } from "../../functions/login/secrets";
import { makeStsCredentials } from "../../functions/login/sts";
import { IdentityConflictError, type Deadline } from "../../functions/login/ports";
import { DeadlineSignal } from "../../functions/login/deadline";
import {
  ConfigError,
  InternalError,
  RateLimitedError,
  UpstreamUnavailableError,
} from "../../functions/login/errors";
import { roleSessionNameFor, userKeyFor } from "../../functions/login/login";
import { FakeAwsClient, serviceError } from "./fake-aws-client";
import {
  APP_SECRET,
  CONTEXT,
  FAKE_SECRET_ACCESS_KEY,
  FAKE_SESSION_TOKEN,
  POOL_ID,
  SESSION_KEY,
  errorOf,
  expectNoSecrets,
  fetchAsGet,
  guestEvent,
  harness,
  loginEvent,
  parse,
  testConfig,
  type Harness,
  type RawReply,
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
    h.wechat.latencyMs = 20;
    h.cognito.latencyMs = 20;
    h.mapping.latencyMs = 20;
    h.events.length = 0;
    expect((await call(h, loginEvent({ code: "b" }))).statusCode).toBe(200);
    // Structure, not wall-clock time (robust on a loaded machine): WeChat alone, then both
    // Cognito and the DynamoDB update start before either ends; nothing else is called.
    expect(h.events.slice(0, 2)).toEqual(["wechat:start", "wechat:end"]);
    expect(h.events.slice(2, 4).sort()).toEqual(["cognito:start", "touch:start"]);
    expect(h.events.slice(4).sort()).toEqual(["cognito:end", "touch:end"]);
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
    h.cognito.model.createGuest(GUEST);
    h.wechat.codes.set("g", UNION);
    const res = await call(h, guestEvent("g", GUEST));
    expect(res.statusCode).toBe(200);
    expect(res.body["identityId"]).toBe(GUEST);
    expect(h.cognito.calls).toEqual([
      { developerUserId: `wechat-union#${UNION.unionid}`, identityId: GUEST },
    ]);
    expect(h.mapping.rows.get(`wechat-union#${UNION.unionid}`)?.identityId).toBe(GUEST);
    expect(h.mapping.claims.get(GUEST)).toBe(`wechat-union#${UNION.unionid}`);
    expect(h.cognito.model.loginsOf(GUEST)).toEqual([`wechat-union#${UNION.unionid}`]);
  });

  it("logs a user who already has a mapping row in to their existing identity, not the guest's", async () => {
    const h = harness("enhanced");
    h.wechat.codes.set("first", UNION);
    h.wechat.codes.set("again", UNION);
    h.cognito.model.createGuest(GUEST);
    const first = await call(h, loginEvent({ code: "first" }));
    const res = await call(h, guestEvent("again", GUEST));
    expect(res.body["identityId"]).toBe(first.body["identityId"]);
    // One plain Cognito call (Cognito knows the user's identity); the guest id is never sent,
    // never claimed, and the guest identity stays unlinked.
    expect(h.cognito.calls.slice(1)).toEqual([
      { developerUserId: `wechat-union#${UNION.unionid}` },
    ]);
    expect(h.mapping.claims.size).toBe(0);
    expect(h.cognito.model.loginsOf(GUEST)).toEqual([]);
  });

  it("falls back to the existing identity when Cognito says the login is linked elsewhere", async () => {
    const h = harness("enhanced");
    h.wechat.codes.set("g", UNION);
    const existing = "us-east-1:11111111-2222-4333-8444-555555555555";
    h.cognito.model.createGuest(GUEST);
    h.cognito.model.createGuest(existing);
    h.cognito.model.link(`wechat-union#${UNION.unionid}`, existing); // Cognito knows; no row yet
    const res = await call(h, guestEvent("g", GUEST));
    expect(res.statusCode).toBe(200);
    expect(res.body["identityId"]).toBe(existing);
    expect(h.cognito.calls.map((c) => c.identityId)).toEqual([GUEST, undefined]);
    expect(h.mapping.rows.get(`wechat-union#${UNION.unionid}`)?.identityId).toBe(existing);
    expect(h.cognito.model.loginsOf(GUEST)).toEqual([]);
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
    const h = harness("enhanced");
    const h2 = harness("enhanced", {}, { wechat: h.wechat.client(async () => "wrong-secret") });
    h.wechat.codes.set("c", UNION);
    const res = await call(h2, loginEvent({ code: "c" }));
    expect(res.statusCode).toBe(500);
    expect(h.wechat.calls).toHaveLength(1); // WeChat really saw (and rejected) the wrong secret
    expect(h.wechat.calls[0]?.searchParams.get("secret")).toBe("wrong-secret");
    expect(h2.logger.text()).toContain("config_error");
    expect(h2.logger.text()).toContain("40125");
    expect(h2.logger.text()).not.toContain("wrong-secret");
    expect(h2.cognito.calls).toHaveLength(0);
    expect(JSON.stringify(res)).not.toContain("wrong-secret");
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
    const { makeWechatClient } = await import("../../functions/login/wechat");
    const fetched: string[] = [];
    const h = harness(
      "enhanced",
      {},
      {
        wechat: makeWechatClient({
          appId: "wx",
          baseUrl: "https://wechat.invalid",
          getSecret: async () => APP_SECRET,
          get: fetchAsGet(async (url) => {
            fetched.push(String(url));
            return new Response(body, { status: 200 });
          }),
        }),
      },
    );
    const res = await call(h, loginEvent({ code: "c" }));
    expect(res.statusCode).toBe(503);
    expect(res.headers["retry-after"]).toBe("1");
    expect(fetched).toHaveLength(1);
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
    const app = "wx0123456789abcdef";
    expect(userKeyFor({ openid: "o1", unionid: "u1" }, cfg, app).pk).toBe("wechat-union#u1");
    expect(userKeyFor({ openid: "o1", unionid: "u1" }, cfg, "wx0a1b2c3d4e5f6a7b").pk).toBe(
      "wechat-union#u1",
    );
    expect(userKeyFor({ openid: "o1", unionid: undefined }, cfg, app).pk).toBe(
      "wechat-open#wx0123456789abcdef#o1",
    );
    expect(userKeyFor({ openid: "o1", unionid: undefined }, cfg, "wx0a1b2c3d4e5f6a7b").pk).toBe(
      "wechat-open#wx0a1b2c3d4e5f6a7b#o1",
    );
    expect(userKeyFor({ openid: "o1", unionid: "u1" }, cfg, app).logTag).toMatch(/^[0-9a-f]{12}$/);
  });
});

describe("AppSecret rotation", () => {
  it("re-reads the AppSecret after WeChat rejects it and retries within the same login", async () => {
    const { makeWechatClient } = await import("../../functions/login/wechat");
    const getSecret = jest.fn(async (opts?: { forceFetch?: boolean }) =>
      opts?.forceFetch ? APP_SECRET : "old-rotated-secret",
    );
    const h = harness("enhanced");
    const client = makeWechatClient({
      appId: "wx0123456789abcdef",
      baseUrl: "https://wechat.invalid",
      getSecret,
      get: fetchAsGet(h.wechat.fetch),
    });
    const h2 = harness("enhanced", {}, { wechat: client });
    h.wechat.codes.set("c1", UNION);
    h.wechat.codes.set("c2", UNION);
    expect((await call(h2, loginEvent({ code: "c1" }))).statusCode).toBe(200);
    expect(h.wechat.calls.map((u) => u.searchParams.get("secret"))).toEqual([
      "old-rotated-secret",
      APP_SECRET,
    ]);
    // A login that still read the old value is retried with the re-read one, without another
    // forced read.
    expect((await call(h2, loginEvent({ code: "c2" }))).statusCode).toBe(200);
    expect(getSecret.mock.calls.map((c) => c[0]?.forceFetch)).toEqual([false, true, false]);
  });
});

describe("Secrets Manager (the AppSecret read, through the real adapter)", () => {
  const sm = new FakeAwsClient();
  afterEach(() => sm.reset());
  const withSecrets = (deps: Parameters<typeof harness>[2] = {}) => {
    const h = harness("enhanced", {}, deps);
    const getSecret = makeSecretGetter(sm, "id");
    const h2 = harness("enhanced", {}, { ...deps, wechat: h.wechat.client(getSecret) });
    h.wechat.codes.set("c", UNION);
    return { h, h2 };
  };

  it("answers 503 UPSTREAM_UNAVAILABLE with Retry-After within the budget when the read never completes", async () => {
    sm.on("GetSecretValue").callsFake(() => new Promise(() => undefined));
    const { h, h2 } = withSecrets({ maxLoginMs: 150 });
    const t0 = performance.now();
    const res = await call(h2, loginEvent({ code: "c" }));
    const elapsed = performance.now() - t0;
    expect(res.statusCode).toBe(503);
    expect(errorOf(res).code).toBe("UPSTREAM_UNAVAILABLE");
    expect(res.headers["retry-after"]).toBe("1");
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(2000); // the budget is 150 ms; never the SDK's own timeouts
    expect(h.wechat.calls).toHaveLength(0);
    expect(h2.logger.text()).toContain("secretsmanager");
  });

  it("also honours the Lambda remaining time, not only maxLoginMs", async () => {
    sm.on("GetSecretValue").callsFake(() => new Promise(() => undefined));
    const { h2 } = withSecrets({ deadlineMarginMs: 500 });
    const t0 = performance.now();
    const raw = await h2.handler(loginEvent({ code: "c" }), {
      awsRequestId: "r",
      getRemainingTimeInMillis: () => 700,
    });
    expect(raw.statusCode).toBe(503);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it.each([
    ["ThrottlingException", 400, 429, "RATE_LIMITED"],
    ["InternalServiceError", 500, 503, "UPSTREAM_UNAVAILABLE"],
    ["ResourceNotFoundException", 400, 500, "INTERNAL"],
    ["AccessDeniedException", 400, 500, "INTERNAL"],
  ])("maps a %s from Secrets Manager to %d %s", async (name, http, status, code) => {
    sm.on("GetSecretValue").rejects(serviceError(name, http, `leaky ${APP_SECRET}`));
    const { h, h2 } = withSecrets();
    const res = await call(h2, loginEvent({ code: "c" }));
    expect([res.statusCode, errorOf(res).code]).toEqual([status, code]);
    if (status === 500) expect(h2.logger.text()).toContain("config_error");
    expect(h.wechat.calls).toHaveLength(0);
    expectNoSecrets([JSON.stringify(res), h2.logger.text()]);
  });

  it("maps a socket error (no HTTP response) to 503", async () => {
    sm.on("GetSecretValue").rejects(
      Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
    );
    const { h2 } = withSecrets();
    expect((await call(h2, loginEvent({ code: "c" }))).statusCode).toBe(503);
  });
});

describe("WeChat reply parsing", () => {
  const reply = (body: unknown, over: Partial<RawReply> = {}): RawReply => ({
    raw: typeof body === "string" ? body : JSON.stringify(body),
    ...over,
  });
  const run = async (r: RawReply) => {
    const h = harness("enhanced");
    h.wechat.codes.set("c", r);
    const res = await call(h, loginEvent({ code: "c" }));
    return { h, res };
  };
  const OPEN_PK = (openid: string) => `wechat-open#wx0123456789abcdef#${openid}`;

  it.each([
    ["unionid: empty string", { openid: "oA_1", unionid: "" }, OPEN_PK("oA_1")],
    ["unionid: null", { openid: "oA_2", unionid: null }, OPEN_PK("oA_2")],
    ["errcode: null", { errcode: null, openid: "oA_3" }, OPEN_PK("oA_3")],
    ["errcode: 0", { errcode: 0, openid: "oA_4", unionid: "uA_4" }, "wechat-union#uA_4"],
    ['errcode: "0"', { errcode: "0", openid: "oA_5" }, OPEN_PK("oA_5")],
    ["an openid with . @ + = /", { openid: "o.A@b+c=d/e" }, OPEN_PK("o.A@b+c=d/e")],
    ["a non-ASCII printable openid", { openid: "o开放ID" }, OPEN_PK("o开放ID")],
    ["a 128-char openid", { openid: "o".repeat(128) }, OPEN_PK("o".repeat(128))],
    ["extra fields", { openid: "oA_6", session_key: "k", extra: [1] }, OPEN_PK("oA_6")],
  ])("accepts %s", async (_l, body, pk) => {
    const { h, res } = await run(reply(body));
    expect(res.statusCode).toBe(200);
    expect([...h.mapping.rows.keys()]).toEqual([pk]);
  });

  it.each([
    ['"40029"', 401, "INVALID_CODE"],
    ['"40163"', 401, "INVALID_CODE"],
    ['"-1"', 503, "UPSTREAM_UNAVAILABLE"],
    ['"45011"', 429, "RATE_LIMITED"],
  ])("reads errcode %s (a numeric string) as a number", async (errcode, status, code) => {
    const { h, res } = await run(reply(`{"errcode":${errcode},"errmsg":"x"}`));
    expect([res.statusCode, errorOf(res).code]).toEqual([status, code]);
    expect(h.cognito.calls).toHaveLength(0);
  });

  it.each([
    ["a non-JSON body", reply("<html>busy</html>")],
    ["HTTP 502", reply({ openid: "oX" }, { status: 502 })],
    ["HTTP 503 with an error page", reply("Service Unavailable", { status: 503 })],
    ["no openid", reply({ unionid: "uX" })],
    ["openid: null", reply({ openid: null })],
    ["an empty openid", reply({ openid: "" })],
    ["an openid with a space", reply({ openid: "o X" })],
    ["an openid with a control char", reply({ openid: "o\u0007X" })],
    ["a 129-char openid", reply({ openid: "o".repeat(129) })],
    ["a unionid with whitespace", reply({ openid: "oX", unionid: "u X" })],
    ["a non-numeric errcode", reply({ errcode: "busy", openid: "oX" })],
    ["a JSON array", reply([{ openid: "oX" }])],
    // A declared or streamed body over 64 KB: the transport's cap, wechat-body.test.ts.
  ])("returns 503 UPSTREAM_UNAVAILABLE on %s", async (_l, r) => {
    const { h, res } = await run(r);
    expect([res.statusCode, errorOf(res).code]).toEqual([503, "UPSTREAM_UNAVAILABLE"]);
    expect(res.headers["retry-after"]).toBe("1");
    expect(h.cognito.calls).toHaveLength(0);
  });

  it("accepts a body just under the cap", async () => {
    const body = JSON.stringify({ openid: "oBig", pad: "p".repeat(60 * 1024) });
    const { res } = await run(reply(body));
    expect(res.statusCode).toBe(200);
  });
});

describe("AppSecret re-read rate limit", () => {
  it("forces at most one Secrets Manager re-read per 60 s while WeChat keeps rejecting the secret", async () => {
    const h = harness("enhanced");
    let now = 1_000_000;
    const forced: boolean[] = [];
    const client = h.wechat.client(
      async (opts) => {
        forced.push(opts?.forceFetch ?? false);
        return "still-wrong";
      },
      { nowMs: () => now },
    );
    const h2 = harness("enhanced", {}, { wechat: client });
    for (let i = 0; i < 5; i++) h.wechat.codes.set(`c${i}`, UNION);
    for (let i = 0; i < 4; i++) {
      expect((await call(h2, loginEvent({ code: `c${i}` }))).statusCode).toBe(500);
      now += 10_000;
    }
    expect(forced).toEqual([false, true, false, false, false]);
    now += 30_000; // 60 s after the first forced read
    await call(h2, loginEvent({ code: "c4" }));
    expect(forced).toEqual([false, true, false, false, false, false, true]);
  });

  it("passes the invocation's signal to the secret getter", async () => {
    const h = harness("enhanced");
    const seen: (Deadline | undefined)[] = [];
    const h2 = harness(
      "enhanced",
      {},
      {
        wechat: h.wechat.client(async (opts) => {
          seen.push(opts?.signal);
          return APP_SECRET;
        }),
      },
    );
    h.wechat.codes.set("c", UNION);
    await call(h2, loginEvent({ code: "c" }));
    // The invocation deadline (the handler's own DeadlineSignal), not an absent or a fresh signal.
    expect(seen[0]).toBeInstanceOf(DeadlineSignal);
  });
});

describe("STS failures (basic flow, through the real adapter)", () => {
  const stsMock = new FakeAwsClient();
  afterEach(() => stsMock.reset());

  it.each([
    ["AccessDenied", 403],
    ["InvalidIdentityToken", 400],
    ["ValidationError", 400],
  ])("maps %s to 500 INTERNAL, logged as config_error", async (name, http) => {
    stsMock
      .on("AssumeRoleWithWebIdentity")
      .rejects(serviceError(name, http, `leaky ${APP_SECRET}`));
    const credentials = makeStsCredentials(stsMock, {
      roleArn: testConfig("basic").authenticatedRoleArn ?? "",
      durationSeconds: 900,
    });
    const h = harness("basic", {}, { credentials });
    h.wechat.codes.set("c", UNION);
    const res = await call(h, loginEvent({ code: "c" }));
    expect([res.statusCode, errorOf(res).code]).toEqual([500, "INTERNAL"]);
    expect(res.headers["retry-after"]).toBeUndefined();
    expect(h.logger.text()).toContain("config_error");
    expect(h.logger.text()).toContain(name);
    expect(stsMock.inputs("AssumeRoleWithWebIdentity")).toHaveLength(1);
    expectNoSecrets([JSON.stringify(res), h.logger.text()], h.cognito.tokens);
  });
});

describe("guest upgrade, basic flow", () => {
  const GUEST = "us-east-1:9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

  it("links the guest and returns credentials for the guest identity", async () => {
    const h = harness("basic");
    h.cognito.model.createGuest(GUEST);
    h.wechat.codes.set("g", UNION);
    const res = await call(h, guestEvent("g", GUEST));
    expect(res.statusCode).toBe(200);
    expect(res.body["identityId"]).toBe(GUEST);
    expect(res.body["credentials"]).toMatchObject({ accessKeyId: "ASIAFAKEACCESSKEY123" });
    expect(h.sts.calls).toEqual([
      { token: h.cognito.tokens[0], roleSessionName: roleSessionNameFor(GUEST) },
    ]);
    expect(h.mapping.rows.get(`wechat-union#${UNION.unionid}`)?.identityId).toBe(GUEST);
  });

  it("gives a user with an identity credentials for THAT identity, not the guest's", async () => {
    const h = harness("basic");
    h.wechat.codes.set("first", UNION);
    h.wechat.codes.set("g", UNION);
    const first = await call(h, loginEvent({ code: "first" }));
    const res = await call(h, guestEvent("g", GUEST));
    expect(res.body["identityId"]).toBe(first.body["identityId"]);
    expect(h.sts.calls.at(-1)).toEqual({
      token: h.cognito.tokens.at(-1),
      roleSessionName: roleSessionNameFor(String(first.body["identityId"])),
    });
  });
});

describe("guest identity ids", () => {
  it.each([["a GUID", "us-east-1:9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"]])(
    "links %s",
    async (_l, id) => {
      const h = harness("enhanced");
      h.cognito.model.createGuest(id);
      h.wechat.codes.set("g", UNION);
      const res = await call(h, guestEvent("g", id));
      expect(res.body["identityId"]).toBe(id);
    },
  );

  it.each([
    ["another region", "eu-west-1:9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"],
    ["an emulator-style (not a GUID) id", "us-east-1:guest_01-abc"],
    ["an upper-case GUID", "us-east-1:9A8B7C6D-5E4F-4A3B-8C2D-1E0F9A8B7C6D"],
    ["no region", "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"],
    ["bad characters", "us-east-1:abc def"],
    ["an empty id", "us-east-1:"],
    ["an overlong id", `us-east-1:${"a".repeat(200)}`],
  ])("rejects an unauthenticated caller of this pool whose id has %s with 400", async (_l, id) => {
    const h = harness("enhanced");
    h.wechat.codes.set("g", UNION);
    const res = await call(h, guestEvent("g", id));
    expect([res.statusCode, errorOf(res).code]).toEqual([400, "INVALID_REQUEST"]);
    expect(h.wechat.calls).toHaveLength(0);
  });
});

describe("Cognito is authoritative (a Cognito-like fake: one IdentityId per developer user)", () => {
  const PK = `wechat-union#${UNION.unionid}`;

  it("gives a returning user the same IdentityId, with the token of that login's one call", async () => {
    const h = harness("enhanced");
    h.wechat.codes.set("a", UNION);
    h.wechat.codes.set("b", UNION);
    h.wechat.codes.set("c", UNION);
    const first = await call(h, loginEvent({ code: "a" }));
    const second = await call(h, loginEvent({ code: "b" }));
    const third = await call(h, loginEvent({ code: "c" }));
    expect(second.body["identityId"]).toBe(first.body["identityId"]);
    expect(third.body["identityId"]).toBe(first.body["identityId"]);
    expect(h.cognito.calls).toEqual(Array(3).fill({ developerUserId: PK }));
    expect(third.body["token"]).toBe(h.cognito.tokens.at(-1));
    expect(h.mapping.rows.size).toBe(1);
    expect(h.mapping.ops).not.toContain("replaceIdentity");
    expect(h.logger.text()).not.toContain("mapping_identity_mismatch_repaired");
  });

  it("basic flow: assumes the role with the token Cognito issued for the user's identity", async () => {
    const h = harness("basic");
    h.wechat.codes.set("a", UNION);
    h.wechat.codes.set("b", UNION);
    const first = await call(h, loginEvent({ code: "a" }));
    const second = await call(h, loginEvent({ code: "b" }));
    expect(second.body["identityId"]).toBe(first.body["identityId"]);
    expect(h.sts.calls.at(-1)).toEqual({
      token: h.cognito.tokens.at(-1),
      roleSessionName: roleSessionNameFor(String(first.body["identityId"])),
    });
  });

  it("50 concurrent first logins -> one row, and ONE IdentityId returned to all 50", async () => {
    for (const flow of ["enhanced", "basic"] as const) {
      const h = harness(flow);
      for (let i = 0; i < 50; i++) h.wechat.codes.set(`c${i}`, UNION);
      h.cognito.latencyMs = 5;
      h.mapping.latencyMs = 2;
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => call(h, loginEvent({ code: `c${i}` }))),
      );
      expect(results.map((r) => r.statusCode)).toEqual(Array(50).fill(200));
      const ids = new Set(results.map((r) => r.body["identityId"]));
      expect(ids.size).toBe(1);
      expect(h.mapping.rows.size).toBe(1);
      expect(h.mapping.rows.get(PK)?.identityId).toBe([...ids][0]);
      expect(h.cognito.model.logins.size).toBe(1);
      if (flow === "basic") {
        // Each of the 50 ends with exactly one AssumeRole, for the one identity.
        const winner = roleSessionNameFor(String([...ids][0]));
        expect(h.sts.calls).toHaveLength(50);
        expect(h.sts.calls.filter((c) => c.roleSessionName === winner)).toHaveLength(50);
      }
    }
  });

  it("still takes only WeChat, then Cognito || DynamoDB, when the row and Cognito agree", async () => {
    const h = harness("enhanced");
    h.wechat.codes.set("a", UNION);
    h.wechat.codes.set("b", UNION);
    await call(h, loginEvent({ code: "a" }));
    const before = h.cognito.calls.length;
    await call(h, loginEvent({ code: "b" }));
    expect(h.cognito.calls.length - before).toBe(1);
  });

  it("a returning user whose row is stale: Cognito's identity wins (asked once more, never for the row's identity), the row is repaired", async () => {
    for (const flow of ["enhanced", "basic"] as const) {
      const h = harness(flow);
      h.wechat.codes.set("a", UNION);
      h.wechat.codes.set("b", UNION);
      const first = await call(h, loginEvent({ code: "a" }));
      const stale = "us-east-1:00000000-0000-4000-8000-00000000dead";
      const row = h.mapping.rows.get(PK);
      if (!row) throw new Error("no row");
      h.mapping.rows.set(PK, { ...row, identityId: stale });
      h.cognito.calls.length = 0;
      const res = await call(h, loginEvent({ code: "b" }));
      expect(res.statusCode).toBe(200);
      expect(res.body["identityId"]).toBe(first.body["identityId"]);
      // The row disagrees: Cognito is asked once more (a concurrent merge could have moved the
      // user), never for the row's IdentityId.
      expect(h.cognito.calls).toEqual([{ developerUserId: PK }, { developerUserId: PK }]);
      expect(h.mapping.rows.get(PK)?.identityId).toBe(first.body["identityId"]);
      expect(h.mapping.ops.at(-1)).toBe("replaceIdentity");
      expect(h.logger.text()).toContain("mapping_identity_mismatch_repaired");
      // Same identity both times: the token (and STS credentials) of the first answer stand.
      if (flow === "basic") expect(h.sts.calls.at(-1)?.token).toBe(h.cognito.tokens.at(-2));
      if (flow === "basic") expect(h.sts.calls).toHaveLength(2);
    }
  });

  it("on losing the conditional create to a row of another identity, Cognito's answer wins and the row is repaired", async () => {
    const h = harness("basic");
    h.wechat.codes.set("c", UNION);
    // The row appears between our touch and our create (a concurrent writer with a stale id).
    const create = h.mapping.create.bind(h.mapping);
    h.mapping.create = async (row, signal) => {
      h.mapping.rows.set(PK, {
        ...row,
        identityId: "us-east-1:00000000-0000-4000-8000-0000000000aa",
      });
      return create(row, signal);
    };
    const res = await call(h, loginEvent({ code: "c" }));
    expect(res.statusCode).toBe(200);
    expect(res.body["identityId"]).toBe(h.cognito.byUser.get(PK));
    expect(h.mapping.rows.get(PK)?.identityId).toBe(h.cognito.byUser.get(PK));
    expect(h.cognito.calls.map((c) => c.identityId)).toEqual([undefined]);
    expect(h.logger.text()).toContain("mapping_identity_mismatch_repaired");
    expect(h.sts.calls.at(-1)?.token).toBe(h.cognito.tokens[0]);
  });
});

describe("no user joins another user's identity (stale guest credentials, in memory)", () => {
  const A = { openid: "oUserA_00000000000000000000001", unionid: "uUserA_0000000000000000000001" };
  const B = { openid: "oUserB_00000000000000000000002", unionid: "uUserB_0000000000000000000002" };
  const PK_A = `wechat-union#${A.unionid}`;
  const PK_B = `wechat-union#${B.unionid}`;
  const G = "us-east-1:6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d";

  it.each(["enhanced", "basic"] as const)(
    "A upgrades G; B signing with G's still-valid guest credentials gets its own new identity (%s)",
    async (flow) => {
      const h = harness(flow);
      h.cognito.model.createGuest(G);
      h.wechat.codes.set("a", A);
      h.wechat.codes.set("b", B);
      const a = await call(h, guestEvent("a", G));
      expect(a.body["identityId"]).toBe(G);
      const b = await call(h, guestEvent("b", G));
      expect(b.statusCode).toBe(200);
      expect(b.body["identityId"]).not.toBe(G);
      expect(b.body["identityId"]).toBe(h.cognito.byUser.get(PK_B));
      // G was passed to Cognito for A only, and carries A's login alone.
      expect(h.cognito.calls.filter((c) => c.identityId === G)).toEqual([
        { developerUserId: PK_A, identityId: G },
      ]);
      expect(h.cognito.model.loginsOf(G)).toEqual([PK_A]);
      expect(h.cognito.model.loginsOf(String(b.body["identityId"]))).toEqual([PK_B]);
      expect(h.mapping.rows.get(PK_A)?.identityId).toBe(G);
      expect(h.mapping.rows.get(PK_B)?.identityId).toBe(b.body["identityId"]);
      expect(h.mapping.claims.get(G)).toBe(PK_A);
      expect(h.logger.text()).toContain("guest_identity_of_another_user");
      if (flow === "basic") {
        expect(h.sts.calls.at(-1)?.roleSessionName).toBe(
          roleSessionNameFor(String(b.body["identityId"])),
        );
      }
    },
  );

  it("A signing in again with G's credentials gets G back without a new link", async () => {
    const h = harness("enhanced");
    h.cognito.model.createGuest(G);
    h.wechat.codes.set("a1", A);
    h.wechat.codes.set("a2", A);
    await call(h, guestEvent("a1", G));
    const again = await call(h, guestEvent("a2", G));
    expect(again.body["identityId"]).toBe(G);
    expect(h.cognito.calls.at(-1)).toEqual({ developerUserId: PK_A });
    expect(h.cognito.model.loginsOf(G)).toEqual([PK_A]);
  });

  it("an identity linked before guest claims existed (a row, no claim) is not passed for another user", async () => {
    const h = harness("enhanced");
    h.cognito.model.createGuest(G);
    h.cognito.model.link(PK_A, G);
    h.mapping.rows.set(PK_A, {
      pk: PK_A,
      identityId: G,
      createdAt: "2025-01-01T00:00:00.000Z",
      lastLoginAt: "2025-01-01T00:00:00.000Z",
      appId: "wx0123456789abcdef",
      openid: A.openid,
      unionid: A.unionid,
    });
    h.wechat.codes.set("b", B);
    const b = await call(h, guestEvent("b", G));
    expect(b.body["identityId"]).not.toBe(G);
    expect(h.cognito.calls).toEqual([{ developerUserId: PK_B }]);
    expect(h.cognito.model.loginsOf(G)).toEqual([PK_A]);
  });

  it("A and B racing with the same G: exactly one is linked to G, the other gets its own identity", async () => {
    for (let round = 0; round < 10; round++) {
      const h = harness(round % 2 === 0 ? "enhanced" : "basic");
      h.cognito.model.createGuest(G);
      h.cognito.latencyMs = 1 + (round % 3);
      h.mapping.latencyMs = 1 + ((round + 1) % 3);
      h.wechat.codes.set("a", A);
      h.wechat.codes.set("b", B);
      const [a, b] = await Promise.all([call(h, guestEvent("a", G)), call(h, guestEvent("b", G))]);
      const got = [a, b].map((r) => r.body["identityId"]);
      expect(got.filter((id) => id === G)).toHaveLength(1);
      expect(h.cognito.model.loginsOf(G)).toHaveLength(1);
      const owner = h.cognito.model.loginsOf(G)[0];
      expect(h.mapping.claims.get(G)).toBe(owner);
      expect(got[owner === PK_A ? 0 : 1]).toBe(G);
      const other = owner === PK_A ? PK_B : PK_A;
      expect(got[owner === PK_A ? 1 : 0]).toBe(h.cognito.byUser.get(other));
    }
  });

  it("10 different users racing with the same G: one is linked, nine log in plainly", async () => {
    const h = harness("enhanced");
    h.cognito.model.createGuest(G);
    h.cognito.latencyMs = 2;
    h.mapping.latencyMs = 1;
    for (let i = 0; i < 10; i++) h.wechat.codes.set(`u${i}`, { openid: `oRacer_${i}` });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => call(h, guestEvent(`u${i}`, G))),
    );
    expect(results.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
    expect(results.filter((r) => r.body["identityId"] === G)).toHaveLength(1);
    expect(h.cognito.model.loginsOf(G)).toHaveLength(1);
    expect(new Set(results.map((r) => r.body["identityId"])).size).toBe(10);
    for (const [, users] of h.cognito.model.logins) expect(users.size).toBeLessThanOrEqual(1);
  });

  it("50 concurrent first logins of one user signed with G end with one row and one identity, G", async () => {
    for (const flow of ["enhanced", "basic"] as const) {
      const h = harness(flow);
      h.cognito.model.createGuest(G);
      h.cognito.latencyMs = 5;
      h.mapping.latencyMs = 2;
      for (let i = 0; i < 50; i++) h.wechat.codes.set(`c${i}`, A);
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => call(h, guestEvent(`c${i}`, G))),
      );
      expect(results.map((r) => r.statusCode)).toEqual(Array(50).fill(200));
      expect(new Set(results.map((r) => r.body["identityId"]))).toEqual(new Set([G]));
      expect(h.mapping.rows.size).toBe(1);
      expect(h.mapping.rows.get(PK_A)?.identityId).toBe(G);
      expect(h.cognito.model.logins.size).toBe(1);
      expect(h.cognito.model.loginsOf(G)).toEqual([PK_A]);
    }
  });

  it("a guest whose IdentityId was deleted in Cognito logs in plainly to a new identity", async () => {
    const h = harness("enhanced");
    h.cognito.model.createGuest(G);
    h.cognito.model.delete(G);
    h.wechat.codes.set("a", A);
    const res = await call(h, guestEvent("a", G));
    expect(res.statusCode).toBe(200);
    expect(res.body["identityId"]).not.toBe(G);
    expect(res.body["identityId"]).toBe(h.cognito.byUser.get(PK_A));
    expect(h.cognito.calls.map((c) => c.identityId)).toEqual([G, undefined]);
    expect(h.mapping.rows.get(PK_A)?.identityId).toBe(res.body["identityId"]);
    expect(h.logger.text()).toContain("ResourceNotFoundException");
  });

  it("a guest upgrade waits on WeChat, the row, the claim || index query, Cognito, the create", async () => {
    const h = harness("enhanced");
    h.cognito.model.createGuest(G);
    h.wechat.codes.set("a", A);
    h.wechat.latencyMs = 5;
    h.cognito.latencyMs = 5;
    h.mapping.latencyMs = 5;
    await call(h, guestEvent("a", G));
    expect(h.events.slice(0, 2)).toEqual(["wechat:start", "wechat:end"]);
    // The user's row and its openid row (unionid migration) in one parallel step.
    expect(h.events.slice(2, 4)).toEqual(["touch:start", "touch:start"]);
    expect(h.events.slice(4, 6)).toEqual(["touch:end", "touch:end"]);
    expect(h.events.slice(6, 8).sort()).toEqual(["claimGuest:start", "usersOfIdentity:start"]);
    expect(h.events.slice(8, 10).sort()).toEqual(["claimGuest:end", "usersOfIdentity:end"]);
    expect(h.events.slice(10)).toEqual([
      "cognito:start",
      "cognito:end",
      "create:start",
      "create:end",
    ]);
  });

  it("a guest-signed returning user never claims: WeChat, the row, then Cognito", async () => {
    const h = harness("enhanced");
    h.wechat.codes.set("a1", A);
    h.wechat.codes.set("a2", A);
    await call(h, loginEvent({ code: "a1" }));
    h.events.length = 0;
    await call(h, guestEvent("a2", G));
    expect(h.events.slice(0, 2)).toEqual(["wechat:start", "wechat:end"]);
    // The user's row and its openid row (unionid migration) in one parallel step.
    expect(h.events.slice(2, 6).sort()).toEqual([
      "touch:end",
      "touch:end",
      "touch:start",
      "touch:start",
    ]);
    expect(h.events.slice(6)).toEqual(["cognito:start", "cognito:end"]);
    expect(h.mapping.claims.size).toBe(0);
  });
});
