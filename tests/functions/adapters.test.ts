import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CreateTableCommand, DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { AwsClient } from "../../functions/login/aws-client";
import {
  DEFAULT_CREDENTIALS_DURATION_SECONDS,
  DEFAULT_WECHAT_API_BASE_URL,
} from "../../core/defaults";
import { makeCognitoIdentity } from "../../functions/login/cognito";
import { defaultLoginsKey, readConfig } from "../../functions/login/config";
import { UpstreamUnavailableError } from "../../functions/login/errors";
import { errorResponse } from "../../functions/login/http";
import { makeMappingTable } from "../../functions/login/mapping";
import { IdentityConflictError } from "../../functions/login/ports";
import { makeSecretGetter } from "../../functions/login/secrets";
import { DYNAMODB_TIMEOUTS, transientOnlyRetry } from "../../functions/login/runtime";
import { makeStsCredentials } from "../../functions/login/sts";
import { makeWechatClient, type WechatClientOptions } from "../../functions/login/wechat";
import { FakeAwsClient, serviceError } from "./fake-aws-client";
import { FakeWechatServer } from "./fake-upstreams";
import { APP_SECRET, FakeWechat, fetchAsGet, partition, secretArn } from "./support";

const signal = new AbortController().signal;
const svcError = (name: string, status: number) =>
  serviceError(name, status, `upstream says ${APP_SECRET}`);

async function statusOf(
  p: Promise<unknown>,
): Promise<{ status: number; code: string; retryAfter?: string | undefined; body: string }> {
  try {
    await p;
  } catch (err) {
    const res = errorResponse(err, "r");
    return {
      status: res.statusCode,
      code: (JSON.parse(res.body) as { error: { code: string } }).error.code,
      retryAfter: res.headers["retry-after"],
      body: res.body,
    };
  }
  throw new Error("expected a failure");
}

describe("Cognito adapter", () => {
  const mock = new FakeAwsClient();
  const port = makeCognitoIdentity(mock, {
    identityPoolId: "us-east-1:p",
    developerProviderName: "dev",
    tokenDurationSeconds: 900,
  });
  afterEach(() => mock.reset());

  it("sends pool, logins, duration and (only when given) the guest IdentityId", async () => {
    mock
      .on("GetOpenIdTokenForDeveloperIdentity")
      .resolves({ IdentityId: "us-east-1:i", Token: "t" });
    await port.getOpenIdToken({ developerUserId: "u", identityId: "us-east-1:g" }, signal);
    expect(mock.inputs("GetOpenIdTokenForDeveloperIdentity")[0]).toEqual({
      IdentityPoolId: "us-east-1:p",
      IdentityId: "us-east-1:g",
      Logins: { dev: "u" },
      TokenDuration: 900,
    });
  });

  it("sends PrincipalTags only when the caller gives them", async () => {
    mock
      .on("GetOpenIdTokenForDeveloperIdentity")
      .resolves({ IdentityId: "us-east-1:i", Token: "t" });
    await port.getOpenIdToken({ developerUserId: "u" }, signal);
    await port.getOpenIdToken({ developerUserId: "u", principalTags: { app: "wx1" } }, signal);
    const [plain, tagged] = mock.inputs("GetOpenIdTokenForDeveloperIdentity");
    expect(plain).not.toHaveProperty("PrincipalTags");
    expect(tagged?.["PrincipalTags"]).toEqual({ app: "wx1" });
  });

  it.each([
    ["TooManyRequestsException", 400, 429, "RATE_LIMITED"],
    ["LimitExceededException", 400, 503, "UPSTREAM_UNAVAILABLE"],
    ["InternalErrorException", 500, 503, "UPSTREAM_UNAVAILABLE"],
    ["NotAuthorizedException", 400, 500, "INTERNAL"],
    ["ResourceNotFoundException", 400, 500, "INTERNAL"],
  ])("maps %s to %d", async (name, http, status, code) => {
    mock.on("GetOpenIdTokenForDeveloperIdentity").rejects(svcError(name, http));
    const r = await statusOf(port.getOpenIdToken({ developerUserId: "u" }, signal));
    expect([r.status, r.code]).toEqual([status, code]);
    if (status !== 500) expect(r.retryAfter).toBeDefined();
    expect(r.body).not.toContain(APP_SECRET);
  });

  it("turns ResourceConflictException on a guest link into IdentityConflictError", async () => {
    mock
      .on("GetOpenIdTokenForDeveloperIdentity")
      .rejects(svcError("ResourceConflictException", 400));
    await expect(
      port.getOpenIdToken({ developerUserId: "u", identityId: "us-east-1:g" }, signal),
    ).rejects.toBeInstanceOf(IdentityConflictError);
  });

  it("treats ResourceNotFoundException WITH an IdentityId (deleted identity) as a conflict", async () => {
    mock
      .on("GetOpenIdTokenForDeveloperIdentity")
      .rejects(svcError("ResourceNotFoundException", 400));
    await expect(
      port.getOpenIdToken({ developerUserId: "u", identityId: "us-east-1:g" }, signal),
    ).rejects.toBeInstanceOf(IdentityConflictError);
  });

  it("maps a network error (no HTTP response) to 503", async () => {
    const err = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), {
      code: "ECONNREFUSED",
    });
    mock.on("GetOpenIdTokenForDeveloperIdentity").rejects(err);
    expect((await statusOf(port.getOpenIdToken({ developerUserId: "u" }, signal))).status).toBe(
      503,
    );
  });
});

describe("DynamoDB adapter", () => {
  const mock = new FakeAwsClient();
  const port = makeMappingTable(mock, "t");
  afterEach(() => mock.reset());

  it("touches with attribute_exists and ALL_NEW, and reports a missing row as undefined", async () => {
    mock.on("UpdateItem").rejects(svcError("ConditionalCheckFailedException", 400));
    await expect(port.touch("pk1", "now", signal)).resolves.toBeUndefined();
    expect(mock.inputs("UpdateItem")[0]).toMatchObject({
      Key: { pk: { S: "pk1" } },
      ConditionExpression: "attribute_exists(pk)",
      ReturnValues: "ALL_NEW",
    });
  });

  it("creates conditionally and returns the row a concurrent first login wrote", async () => {
    const other = { pk: { S: "p" }, identityId: { S: "us-east-1:x" }, createdAt: { S: "c0" } };
    mock.on("PutItem").rejects(svcError("ConditionalCheckFailedException", 400));
    mock.on("GetItem").resolves({ Item: other });
    const row = {
      pk: "p",
      identityId: "i",
      createdAt: "c",
      lastLoginAt: "l",
      appId: "a",
      openid: "o",
    };
    await expect(port.create(row, signal)).resolves.toMatchObject({ identityId: "us-east-1:x" });
    expect(mock.inputs("PutItem")[0]?.["ConditionExpression"]).toBe("attribute_not_exists(pk)");
    expect(mock.inputs("GetItem")[0]?.["ConsistentRead"]).toBe(true);
  });

  it.each([
    ["ProvisionedThroughputExceededException", 400, 429],
    ["ThrottlingException", 400, 429],
    ["RequestLimitExceeded", 400, 429],
    ["InternalServerError", 500, 503],
    ["ResourceNotFoundException", 400, 500],
  ])("maps %s to %d", async (name, http, status) => {
    mock.on("PutItem").rejects(svcError(name, http));
    const row = {
      pk: "p",
      identityId: "i",
      createdAt: "c",
      lastLoginAt: "l",
      appId: "a",
      openid: "o",
    };
    expect((await statusOf(port.create(row, signal))).status).toBe(status);
  });
});

describe("STS adapter", () => {
  const mock = new FakeAwsClient();
  const port = makeStsCredentials(mock, {
    roleArn: `arn:${partition}-cn:iam::123456789012:role/r`,
    durationSeconds: 900,
  });
  afterEach(() => mock.reset());

  it.each([
    ["Throttling", 400, 429],
    ["AccessDenied", 403, 500],
    ["InvalidIdentityToken", 400, 500],
    ["ValidationError", 400, 500],
    ["ExpiredTokenException", 400, 500],
    ["IDPCommunicationError", 400, 503],
    ["ServiceUnavailable", 503, 503],
  ])("maps %s to %d", async (name, http, status) => {
    mock.on("AssumeRoleWithWebIdentity").rejects(svcError(name, http));
    expect(
      (await statusOf(port.assumeRole({ token: "t", roleSessionName: "s1" }, signal))).status,
    ).toBe(status);
  });
});

describe("Secrets adapter", () => {
  const mock = new FakeAwsClient();
  afterEach(() => mock.reset());

  it("reads the AppSecret once and serves it from cache, refetching when forced", async () => {
    mock.on("GetSecretValue").resolves({ SecretString: APP_SECRET });
    const get = makeSecretGetter(mock, "id");
    expect(await get()).toBe(APP_SECRET);
    expect(await get()).toBe(APP_SECRET);
    expect(mock.inputs("GetSecretValue")).toHaveLength(1);
    await get({ forceFetch: true });
    expect(mock.inputs("GetSecretValue")).toHaveLength(2);
  });

  it.each([
    ["ThrottlingException", 400, 429],
    ["InternalServiceError", 500, 503],
    ["ResourceNotFoundException", 400, 500],
    ["AccessDeniedException", 400, 500],
  ])("maps %s to %d", async (name, http, status) => {
    mock.on("GetSecretValue").rejects(svcError(name, http));
    const get = makeSecretGetter(mock, "id");
    expect((await statusOf(get())).status).toBe(status);
  });
});

/** The variables the function requires, for a pool in `region`. */
function requiredEnv(region: string): Record<string, string | undefined> {
  return {
    AWS_REGION: region,
    IDENTITY_POOL_ID: `${region}:6f1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d`,
    DEVELOPER_PROVIDER_NAME: "login.wechat",
    TABLE_NAME: "mapping",
    WECHAT_APPS: JSON.stringify([
      {
        appId: "wx5e0c7a9d3b1f2468",
        kind: "miniprogram",
        secretArn: secretArn("wechat", region),
      },
    ]),
  };
}

describe("environment contract", () => {
  const env = {
    ...requiredEnv("cn-north-1"),
    TOKEN_DURATION_SECONDS: "900",
    LOGINS_KEY: "cognito-identity.cn-north-1.amazonaws.com.cn",
    USER_KEY: "unionid",
    AUTHENTICATED_ROLE_ARN: `arn:${partition}-cn:iam::123456789012:role/auth`,
    CREDENTIALS_DURATION_SECONDS: "3600",
  };

  it("reads a complete basic-flow environment with the default WeChat base URL", () => {
    const c = readConfig(env, "basic");
    expect(c.wechatApiBaseUrl).toBe("https://api.weixin.qq.com");
    expect(c.credentialsDurationSeconds).toBe(3600);
  });

  it.each([
    ["TOKEN_DURATION_SECONDS", "0"],
    ["TOKEN_DURATION_SECONDS", "86401"],
    ["CREDENTIALS_DURATION_SECONDS", "899"],
    ["USER_KEY", "email"],
    ["IDENTITY_POOL_ID", "us-east-1:6f1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d"],
    ["WECHAT_APPS", undefined],
  ])("fails fast when %s is %s, naming it but not its value", (name, value) => {
    expect(() => readConfig({ ...env, [name]: value }, "basic")).toThrow(new RegExp(name));
  });

  it.each([
    ["us-east-1", "cognito-identity.amazonaws.com"],
    ["eu-central-1", "cognito-identity.amazonaws.com"],
    ["cn-north-1", "cognito-identity.cn-north-1.amazonaws.com.cn"],
    ["cn-northwest-1", "cognito-identity.cn-northwest-1.amazonaws.com.cn"],
  ])("derives LOGINS_KEY from %s when unset", (region, key) => {
    const c = readConfig({ ...env, ...requiredEnv(region), LOGINS_KEY: undefined }, "enhanced");
    expect(c.loginsKey).toBe(key);
    expect(defaultLoginsKey(region)).toBe(key);
  });

  it("keeps an explicit LOGINS_KEY", () => {
    expect(
      readConfig({ ...env, LOGINS_KEY: "cognito-identity.example.test" }, "basic").loginsKey,
    ).toBe("cognito-identity.example.test");
  });

  it("falls back to AWS_DEFAULT_REGION, USER_KEY=unionid and TOKEN_DURATION_SECONDS=900", () => {
    const c = readConfig(
      {
        ...env,
        AWS_REGION: undefined,
        AWS_DEFAULT_REGION: "cn-north-1",
        USER_KEY: undefined,
        TOKEN_DURATION_SECONDS: "",
        LOGINS_KEY: undefined,
      },
      "enhanced",
    );
    expect(c.region).toBe("cn-north-1");
    expect(c.userKey).toBe("unionid");
    expect(c.tokenDurationSeconds).toBe(900);
    expect(c.loginsKey).toBe("cognito-identity.cn-north-1.amazonaws.com.cn");
  });

  it("prefers AWS_REGION over AWS_DEFAULT_REGION", () => {
    expect(readConfig({ ...env, AWS_DEFAULT_REGION: "us-west-2" }, "basic").region).toBe(
      "cn-north-1",
    );
  });

  it("fails fast when neither region variable is set", () => {
    expect(() => readConfig({ ...env, AWS_REGION: undefined }, "basic")).toThrow(/AWS_REGION/);
  });

  it("accepts a real identity pool id", () => {
    const id = "cn-north-1:6f1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d";
    expect(readConfig({ ...env, IDENTITY_POOL_ID: id }, "basic").identityPoolId).toBe(id);
  });

  it.each(["cn-north-1:", "cn-north-1:a b", "nope", "cn-north-1:a:b", "cn-north-1:abc_DEF-123"])(
    "rejects the identity pool id %j",
    (id) => {
      expect(() => readConfig({ ...env, IDENTITY_POOL_ID: id }, "basic")).toThrow(
        /IDENTITY_POOL_ID/,
      );
    },
  );

  it("never puts a value in the error message", () => {
    try {
      readConfig({ ...env, TOKEN_DURATION_SECONDS: "secret-looking-99" }, "basic");
      throw new Error("expected a failure");
    } catch (err) {
      expect(String(err)).toContain("TOKEN_DURATION_SECONDS");
      expect(String(err)).not.toContain("secret-looking-99");
    }
  });

  it("does not require the STS settings for the enhanced flow", () => {
    expect(
      readConfig({ ...env, AUTHENTICATED_ROLE_ARN: undefined }, "enhanced").authenticatedRoleArn,
    ).toBeUndefined();
  });
});

describe("DynamoDB adapter against dynalite", () => {
  // dynalite ships no type declarations.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynalite = require("dynalite") as (opts: { createTableMs: number }) => Server;
  let server: Server;
  let client: DynamoDBClient;
  const table = "mapping-replace";
  const row = (identityId: string) => ({
    pk: "wechat-union#uReplace",
    identityId,
    createdAt: "2026-01-01T00:00:00.000Z",
    lastLoginAt: "2026-01-01T00:00:00.000Z",
    appId: "wx1",
    openid: "oReplace",
    unionid: "uReplace",
  });

  beforeAll(async () => {
    server = dynalite({ createTableMs: 0 });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    client = new DynamoDBClient({
      region: "us-east-1",
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credentials: { accessKeyId: "AKIDUMMY", secretAccessKey: "dummy" },
    });
    await client.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      }),
    );
  });

  afterAll(async () => {
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("touch/create/replaceIdentity: conditional writes behave as the domain expects", async () => {
    const port = makeMappingTable(
      new AwsClient({
        service: "dynamodb",
        region: "us-east-1",
        timeouts: DYNAMODB_TIMEOUTS,
        env: {
          AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          AWS_ACCESS_KEY_ID: "AKIDUMMY",
          AWS_SECRET_ACCESS_KEY: "dummy",
        },
      }),
      table,
    );
    const pk = "wechat-union#uReplace";
    await expect(port.touch(pk, "t1", signal)).resolves.toBeUndefined();
    await expect(port.create(row("us-east-1:old"), signal)).resolves.toBe("created");
    await expect(port.create(row("us-east-1:other"), signal)).resolves.toMatchObject({
      identityId: "us-east-1:old",
    });
    // A replace that expects another old id is a no-op (someone already repaired it).
    await port.replaceIdentity(pk, "us-east-1:not-this", "us-east-1:x", "t2", signal);
    await expect(port.touch(pk, "t3", signal)).resolves.toMatchObject({
      identityId: "us-east-1:old",
      lastLoginAt: "t3",
    });
    await port.replaceIdentity(pk, "us-east-1:old", "us-east-1:new", "t4", signal);
    const item = await client.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: pk } }, ConsistentRead: true }),
    );
    expect(item.Item?.["identityId"]?.S).toBe("us-east-1:new");
    expect(item.Item?.["lastLoginAt"]?.S).toBe("t4");
    expect(item.Item?.["createdAt"]?.S).toBe("2026-01-01T00:00:00.000Z");
  });
});

describe("WeChat adapter over node:http (loopback)", () => {
  const APP_ID = "wx5e0c7a9d3b1f2468";
  const wechat = new FakeWechatServer(APP_ID, APP_SECRET, "adapter-session-key");
  let raw: Server;
  let rawUrl = "";
  /** Per-path behaviour of the raw server; `closed` counts sockets the client destroyed. */
  let rawHandler: (req: IncomingMessage, res: ServerResponse) => void = () => undefined;
  let closed = 0;
  beforeAll(async () => {
    await wechat.start();
    raw = createServer((req, res) => {
      req.socket.once("close", () => closed++);
      rawHandler(req, res);
    });
    await new Promise<void>((resolve) => raw.listen(0, "127.0.0.1", resolve));
    rawUrl = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await wechat.server.close();
    raw.closeAllConnections();
    await new Promise<void>((resolve) => raw.close(() => resolve()));
  });
  const client = (baseUrl: string, over: Partial<WechatClientOptions> = {}) =>
    makeWechatClient({ appId: APP_ID, baseUrl, getSecret: async () => APP_SECRET, ...over });

  it("exchanges a code, sending the secret only to WeChat and dropping the session_key", async () => {
    wechat.users.set("ok", { openid: "oAdapter", unionid: "uAdapter" });
    const session = await client(wechat.server.url).exchangeCode("ok", signal);
    expect(session).toEqual({ openid: "oAdapter", unionid: "uAdapter" });
    expect(JSON.stringify(session)).not.toContain("adapter-session-key");
    expect(wechat.secretsSeen).toEqual(new Set([APP_SECRET]));
  });

  it.each([
    [429, 429, "RATE_LIMITED", "60"],
    [500, 503, "UPSTREAM_UNAVAILABLE", "1"],
    [302, 503, "UPSTREAM_UNAVAILABLE", "1"], // redirects are not followed
    [201, 503, "UPSTREAM_UNAVAILABLE", "1"],
  ])("maps HTTP %d to %d %s", async (http, status, code, retryAfter) => {
    rawHandler = (_req, res) => {
      res.writeHead(http, { location: "https://example.com/" }).end('{"openid":"oX"}');
    };
    const r = await statusOf(client(rawUrl).exchangeCode("c", signal));
    expect([r.status, r.code, r.retryAfter]).toEqual([status, code, retryAfter]);
  });

  it("rejects an oversized body (declared or streamed) with 503 and drops the connection", async () => {
    for (const declared of [true, false]) {
      const before = closed;
      rawHandler = (_req, res) => {
        res.writeHead(200, declared ? { "content-length": String(1024 * 1024) } : {});
        const chunk = " ".repeat(16 * 1024);
        const pump = () => {
          while (res.write(chunk));
          res.once("drain", pump);
        };
        pump();
      };
      const r = await statusOf(client(rawUrl).exchangeCode("c", signal));
      expect([r.status, r.code]).toEqual([503, "UPSTREAM_UNAVAILABLE"]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(closed).toBeGreaterThan(before);
    }
  });

  it("stops at its own timeout and at the invocation signal, destroying the socket", async () => {
    rawHandler = (_req, res) => {
      res.writeHead(200, { "content-length": "100" });
      res.write('{"openid":'); // and nothing more
    };
    let before = closed;
    let t0 = performance.now();
    let r = await statusOf(client(rawUrl, { timeoutMs: 200 }).exchangeCode("c", signal));
    expect(r.status).toBe(503);
    expect(performance.now() - t0).toBeLessThan(600);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBeGreaterThan(before);

    before = closed;
    t0 = performance.now();
    r = await statusOf(client(rawUrl).exchangeCode("c", AbortSignal.timeout(150)));
    expect([r.status, r.retryAfter]).toEqual([503, "1"]);
    expect(performance.now() - t0).toBeLessThan(600);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBeGreaterThan(before);
  });

  it("retries once on a fresh connection when a reused keep-alive socket is reset", async () => {
    const served = new WeakSet<object>();
    let resets = 0;
    rawHandler = (req, res) => {
      if (served.has(req.socket)) {
        resets++;
        req.socket.destroy(); // the server had dropped this idle connection
        return;
      }
      served.add(req.socket);
      res.writeHead(200, { "content-type": "text/plain" }).end('{"openid":"oKeepAlive"}');
    };
    const c = client(rawUrl);
    expect(await c.exchangeCode("c1", signal)).toEqual({
      openid: "oKeepAlive",
      unionid: undefined,
    });
    expect(await c.exchangeCode("c2", signal)).toEqual({
      openid: "oKeepAlive",
      unionid: undefined,
    });
    expect(resets).toBe(1);
  });

  it("never lets the secret (in the URL) into an error: connection refused", async () => {
    const err = await client("http://127.0.0.1:9")
      .exchangeCode("c", signal)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamUnavailableError);
    const e = err as UpstreamUnavailableError;
    const seen = JSON.stringify({ m: e.message, u: e.upstream, s: e.stack, c: e.cause });
    expect(seen).not.toContain(APP_SECRET);
    expect(seen).not.toContain("js_code");
  });
});

describe("WeChat adapter: AppSecret rotation within one login", () => {
  const h = () => new FakeWechat();
  const UNION = { openid: "oRot", unionid: "uRot" };

  it("retries with the re-read secret; a code spent by the rejected call gives 503 + Retry-After", async () => {
    const wechat = h();
    let spent = false;
    const get = fetchAsGet(async (url, init) => {
      const res = await wechat.fetch(url, init);
      // A WeChat that consumes the code on the rejected call: the retry finds it used.
      if (url.searchParams.get("secret") !== APP_SECRET) spent = true;
      else if (spent) return new Response(JSON.stringify({ errcode: 40163 }), { status: 200 });
      return res;
    });
    wechat.codes.set("c", UNION);
    const client = wechat.client(async (o) => (o?.forceFetch ? APP_SECRET : "old"), { get });
    const r = await statusOf(client.exchangeCode("c", signal));
    expect([r.status, r.code, r.retryAfter]).toEqual([503, "UPSTREAM_UNAVAILABLE", "1"]);
    expect(wechat.calls.map((u) => u.searchParams.get("secret"))).toEqual(["old", APP_SECRET]);
  });

  it("does not call WeChat again when the re-read gives the same (wrong) secret: 500", async () => {
    const wechat = h();
    wechat.codes.set("c", UNION);
    const client = wechat.client(async () => "still-wrong");
    const r = await statusOf(client.exchangeCode("c", signal));
    expect([r.status, r.code]).toEqual([500, "INTERNAL"]);
    expect(wechat.calls).toHaveLength(1);
    expect(r.body).not.toContain("still-wrong");
  });

  it("shares one forced re-read among concurrent rejected logins", async () => {
    const wechat = h();
    for (let i = 0; i < 5; i++) wechat.codes.set(`c${i}`, UNION);
    let forced = 0;
    const client = wechat.client(async (o) => {
      if (!o?.forceFetch) return "old";
      forced++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return APP_SECRET;
    });
    const sessions = await Promise.all(
      Array.from({ length: 5 }, (_, i) => client.exchangeCode(`c${i}`, signal)),
    );
    expect(sessions).toEqual(Array(5).fill(UNION));
    expect(forced).toBe(1);
  });
});

describe("WECHAT_API_BASE_URL", () => {
  const env = requiredEnv("us-east-1");
  it.each([
    "https://api.weixin.qq.com",
    "https://wechat-proxy.example.com:8443/prefix/",
    "http://127.0.0.1:4010",
    "http://localhost:8080",
    "http://[::1]:9000",
  ])("accepts %s", (url) => {
    const c = readConfig({ ...env, WECHAT_API_BASE_URL: url }, "enhanced");
    expect(c.wechatApiBaseUrl).toBe(url.replace(/\/+$/, ""));
  });

  it.each([
    "http://api.weixin.qq.com",
    "http://10.0.0.8:8080",
    "http://127.0.0.1.nip.io",
    "http://localhost.example.com",
    "ftp://api.weixin.qq.com",
    "https://user:pw@api.weixin.qq.com",
    "https://api.weixin.qq.com/?x=1",
  ])("fails fast at init on %s, naming the variable but not the value", (url) => {
    let message = "";
    try {
      readConfig({ ...env, WECHAT_API_BASE_URL: url }, "enhanced");
    } catch (err) {
      message = String(err);
    }
    expect(message).toMatch(/^EnvError: .*WECHAT_API_BASE_URL/);
    expect(message).not.toContain(url);
  });

  it("defaults the basic flow's credentials duration from core/defaults", () => {
    const c = readConfig(
      { ...env, AUTHENTICATED_ROLE_ARN: `arn:${partition}:iam::123456789012:role/auth` },
      "basic",
    );
    expect(c.credentialsDurationSeconds).toBe(DEFAULT_CREDENTIALS_DURATION_SECONDS);
    expect(c.wechatApiBaseUrl).toBe(DEFAULT_WECHAT_API_BASE_URL);
  });
});

describe("AWS retry strategy (transient errors only)", () => {
  const info = (errorType: string) => ({ errorType });
  it("never retries throttling, retries transient errors up to maxAttempts", async () => {
    const s = transientOnlyRetry(3);
    const first = await s.acquireInitialRetryToken("");
    await expect(s.refreshRetryTokenForRetry(first, info("THROTTLING"))).rejects.toThrow();
    await expect(s.refreshRetryTokenForRetry(first, info("CLIENT_ERROR"))).rejects.toThrow();
    const second = await s.refreshRetryTokenForRetry(first, info("TRANSIENT"));
    expect(second.getRetryCount()).toBe(1);
    expect(second.getRetryDelay()).toBeLessThan(100);
    const third = await s.refreshRetryTokenForRetry(second, info("TRANSIENT"));
    expect(third.getRetryDelay()).toBeLessThan(200);
    await expect(s.refreshRetryTokenForRetry(third, info("TRANSIENT"))).rejects.toThrow();
  });
});
