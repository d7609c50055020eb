/**
 * The BUNDLED function's embedded metric format lines, end to end: the enhanced bundle against
 * dynalite and the fake WeChat, Cognito and Secrets Manager servers (as integration.test.ts),
 * with METRICS_STACK set as the infra sets it. The lines must carry the metrics the alarms read
 * (infra/alarms.ts) and nothing personal or secret.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { arn } from "../../core/partition";
import { buildLoginBundle } from "../../infra/bundle";
import { occurring } from "../support/leaks";
import { sampleAlarmSpecs } from "../support/alarms";
import { emfPoints, refKey } from "../support/emf";
import {
  FakeCognitoServer,
  FakeSecretsServer,
  FakeWechatServer,
  createMappingTable,
} from "./fake-upstreams";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require("dynalite") as (opts: { createTableMs: number }) => Server;

type Handler = (event: unknown, context?: unknown) => Promise<{ statusCode: number; body: string }>;

const APP_SECRET = "metrics-app-secret-0123456789abcdef";
const SESSION_KEY = "metrics-session-key-c2Vzc2lvbg==";
const REGION = "us-east-1";
const POOL_ID = `${REGION}:6f1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d`;
const PROVIDER = "login.wechat.example";
const APP_ID = "wx5e0c7a9d3b1f2468";
const SECRET_ARN = arn(
  { partition: "aws" },
  "secretsmanager",
  REGION,
  "123456789012",
  "secret:wechat-AbCdEf",
);
const TABLE = "mapping-metrics";
const USER = { openid: "oMetricsOpenId_0001", unionid: "uMetricsUnionId_0001" };

const wechat = new FakeWechatServer(APP_ID, APP_SECRET, SESSION_KEY);
const cognito = new FakeCognitoServer(REGION, POOL_ID, PROVIDER);
const secrets = new FakeSecretsServer(REGION, SECRET_ARN, APP_SECRET);
const tmp = mkdtempSync(path.join(tmpdir(), "metrics-bundle-"));
const savedEnv = { ...process.env };
const written: string[] = [];
const bodies: string[] = [];
let dynamo: Server;
let handler: Handler;

beforeAll(async () => {
  const bundle = await buildLoginBundle("enhanced");
  dynamo = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => dynamo.listen(0, "127.0.0.1", () => resolve()));
  const dynamoUrl = `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`;
  await Promise.all([wechat.start(), cognito.start(), secrets.start()]);
  const ddb = new DynamoDBClient({
    region: REGION,
    endpoint: dynamoUrl,
    credentials: { accessKeyId: "AKIDUMMY", secretAccessKey: "dummy" },
  });
  await createMappingTable(ddb, TABLE);
  ddb.destroy();
  process.env = {
    PATH: savedEnv["PATH"],
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: "AKIDUMMYMETRICS",
    AWS_SECRET_ACCESS_KEY: "dummy-secret-access-key",
    AWS_SESSION_TOKEN: "dummy-session-token",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    AWS_ENDPOINT_URL_COGNITO_IDENTITY: cognito.server.url,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoUrl,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.server.url,
    IDENTITY_POOL_ID: POOL_ID,
    DEVELOPER_PROVIDER_NAME: PROVIDER,
    TOKEN_DURATION_SECONDS: "900",
    LOGINS_KEY: "cognito-identity.amazonaws.com",
    TABLE_NAME: TABLE,
    WECHAT_APPS: JSON.stringify([{ appId: APP_ID, kind: "miniprogram", secretArn: SECRET_ARN }]),
    USER_KEY: "unionid",
    WECHAT_API_BASE_URL: wechat.server.url,
    POWERTOOLS_SERVICE_NAME: "wechat-login",
    POWERTOOLS_LOG_LEVEL: "INFO",
    METRICS_STACK: "dev",
    // Only requests that name a source IP are counted (invoke below names none; fromIp does).
    CLIENT_RATE_LIMIT_PER_MINUTE: "1",
    CLIENT_RATE_LIMIT_KEY: "sourceIp",
  };
  // Everything the bundle writes as JSON lines is captured, not printed.
  for (const stream of [process.stdout, process.stderr]) {
    const orig = stream.write.bind(stream);
    jest.spyOn(stream, "write").mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString();
      if (text.trimStart().startsWith("{")) {
        written.push(...text.split("\n").filter((l) => l.trim() !== ""));
        return true;
      }
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- forwarding write() as-is
      return (orig as any)(chunk, ...rest);
    }) as typeof stream.write);
  }
  const file = path.join(mkdtempSync(path.join(tmp, "enhanced-")), bundle.fileName);
  writeFileSync(file, bundle.code);
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    handler = (require(file) as { handler: Handler }).handler;
  });
}, 60_000);

afterAll(async () => {
  jest.restoreAllMocks();
  process.env = savedEnv;
  await Promise.all([wechat.server.close(), cognito.server.close(), secrets.server.close()]);
  await new Promise<void>((resolve) => dynamo.close(() => resolve()));
  rmSync(tmp, { recursive: true, force: true });
});

/** Every (metric, dimensions) data point of the EMF lines written so far. */
const emitted = () => emfPoints(written);

const invoke = async (code: string, id: string, sourceIp?: string) => {
  const res = await handler(
    {
      version: "2.0",
      rawPath: "/login/wechat",
      isBase64Encoded: false,
      body: JSON.stringify({ code }),
      requestContext: {
        requestId: id,
        ...(sourceIp ? { http: { method: "POST", sourceIp } } : {}),
      },
    },
    { awsRequestId: id, getRemainingTimeInMillis: () => 10_000 },
  );
  bodies.push(res.body);
  return res;
};

describe("the bundled function's EMF lines", () => {
  it("count a new, a returning and a failed login, with upstream latency", async () => {
    wechat.users.set("first", USER);
    wechat.users.set("again", USER);
    expect((await invoke("first", "m-1")).statusCode).toBe(200);
    expect((await invoke("again", "m-2")).statusCode).toBe(200);
    expect((await invoke("never-issued", "m-3")).statusCode).toBe(401);
    const got = emitted();
    expect(got.get("LoginSucceeded{outcome=new,stack=dev}")).toBe(1);
    expect(got.get("LoginSucceeded{outcome=returning,stack=dev}")).toBe(1);
    expect(got.get("LoginFailed{code=INVALID_CODE,stack=dev}")).toBe(1);
    expect(got.get("WechatError{class=invalid_code,stack=dev}")).toBe(1);
    expect(got.get("WechatLatency{stack=dev}")).toBe(3);
    // One sample per GetOpenIdTokenForDeveloperIdentity call (the bad code made none): what
    // the cognito-quota alarm counts.
    expect(got.get("CognitoLatency{stack=dev}")).toBe(2);
  });

  it("count WeChat refusing our configuration (40013) as WechatError config, which an alarm watches", async () => {
    wechat.users.set("blocked", { errcode: 40013 });
    expect((await invoke("blocked", "m-4")).statusCode).toBe(500);
    const got = emitted();
    expect(got.get("WechatError{class=config,stack=dev}")).toBe(1);
    expect(got.get("UpstreamError{class=config,stack=dev,upstream=wechat}")).toBe(1);
    expect(got.get("LoginFailed{code=INTERNAL,stack=dev}")).toBe(1);
    const watched = sampleAlarmSpecs().flatMap((s) =>
      s.kind === "metric" ? [s.metric] : s.metrics,
    );
    const alarmed = new Set(watched.map(refKey));
    expect(alarmed).toContain("WechatError{class=config,stack=dev}");
    expect(alarmed).toContain("LoginFailed{code=INTERNAL,stack=dev}");
    expect(alarmed).toContain("LoginSucceeded{outcome=new,stack=dev}");
    expect(alarmed).toContain("CognitoLatency{stack=dev}");
    // The bad code of the first test, which wechat-invalid-codes reads.
    expect(alarmed).toContain("WechatError{class=invalid_code,stack=dev}");
  });

  it("hold no openid, unionid, token, code or secret", () => {
    const tokens = cognito.tokens;
    expect(tokens.length).toBeGreaterThan(0);
    const metricLines = written.filter((l) => l.includes('"_aws"'));
    expect(metricLines.length).toBeGreaterThanOrEqual(4);
    expect(
      occurring(metricLines, [
        USER.openid,
        USER.unionid,
        APP_SECRET,
        SESSION_KEY,
        "first",
        "again",
        ...tokens,
      ]),
    ).toEqual([]);
    expect(bodies.length).toBe(4);
  });

  it("count a client the per-client limit refused as ClientLimited, not as a WeChat failure", async () => {
    wechat.users.set("ip-1", USER);
    wechat.users.set("ip-2", USER);
    const before = emitted();
    expect((await invoke("ip-1", "m-5", "203.0.113.7")).statusCode).toBe(200);
    // WeChat slower than the limiter: the refusal aborts the exchange on the wire.
    wechat.delayMs = 1500;
    try {
      expect((await invoke("ip-2", "m-6", "203.0.113.7")).statusCode).toBe(429);
    } finally {
      wechat.delayMs = 0;
    }
    const got = emitted();
    const delta = (key: string) => (got.get(key) ?? 0) - (before.get(key) ?? 0);
    expect(delta("ClientLimited{stack=dev}")).toBe(1);
    expect(delta("LoginFailed{code=RATE_LIMITED,stack=dev}")).toBe(1);
    for (const key of got.keys()) {
      if (key.startsWith("WechatError") || key.startsWith("UpstreamError"))
        expect(delta(key)).toBe(0);
    }
    const spec = sampleAlarmSpecs().find((s) => s.key === "login-error-rate");
    expect(spec?.kind === "expression" ? spec.metrics.map(refKey) : []).toContain(
      "ClientLimited{stack=dev}",
    );
  });
});
