/**
 * Runs the BUNDLED function (buildLoginBundle, written to a temp dir and required) against
 * dynalite, a fake WeChat server and wire-protocol fakes of Cognito Identity, STS and Secrets
 * Manager, reached through the standard AWS_ENDPOINT_URL_* variables.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import {
  CreateTableCommand,
  DynamoDBClient,
  QueryCommand,
  ScanCommand,
} from "@aws-sdk/client-dynamodb";
import { buildLoginBundle, type LoginBundle, type LoginFlow } from "../../functions/build";
import {
  FakeCognitoServer,
  FakeSecretsServer,
  FakeStsServer,
  FakeWechatServer,
} from "./fake-upstreams";

// dynalite ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require("dynalite") as (opts: { createTableMs: number }) => Server;

const APP_SECRET = "int-app-secret-d41d8cd98f00b204";
const SESSION_KEY = "int-session-key-c2Vzc2lvbmtleQ==";
const CREDS = {
  accessKeyId: "ASIAINTEGRATIONFAKE1",
  secretAccessKey: "intSecretAccessKey/9f8e7d6c5b4a+Q",
  sessionToken: "intSessionToken//FwoGZXIvYXdzEJr+long",
};
const DUMMY_SECRET_KEY = "dummy-secret-access-key-for-sigv4";
const accountId = "123456789012";

interface Case {
  flow: LoginFlow;
  region: string;
  partition: string;
  loginsKey: string;
}

const CASES: Case[] = [
  {
    flow: "enhanced",
    region: "us-east-1",
    partition: "aws",
    loginsKey: "cognito-identity.amazonaws.com",
  },
  {
    flow: "basic",
    region: "us-east-1",
    partition: "aws",
    loginsKey: "cognito-identity.amazonaws.com",
  },
  {
    flow: "enhanced",
    region: "cn-north-1",
    partition: "aws-cn",
    loginsKey: "cognito-identity.cn-north-1.amazonaws.com.cn",
  },
  {
    flow: "basic",
    region: "cn-north-1",
    partition: "aws-cn",
    loginsKey: "cognito-identity.cn-north-1.amazonaws.com.cn",
  },
];

type Handler = (
  event: unknown,
  context?: unknown,
) => Promise<{ statusCode: number; headers: Record<string, string>; body: string }>;

const bundles = new Map<LoginFlow, LoginBundle>();
let dynamo: Server;
let dynamoUrl = "";
const tmp = mkdtempSync(path.join(tmpdir(), "login-bundle-"));
const savedEnv = { ...process.env };
const captured: string[] = [];
const responses: string[] = [];

beforeAll(async () => {
  for (const flow of ["enhanced", "basic"] as const)
    bundles.set(flow, await buildLoginBundle(flow));
  dynamo = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => dynamo.listen(0, "127.0.0.1", () => resolve()));
  dynamoUrl = `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`;
  // Capture everything the bundle logs (Powertools writes to stdout/stderr).
  for (const stream of [process.stdout, process.stderr]) {
    const orig = stream.write.bind(stream);
    jest.spyOn(stream, "write").mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      captured.push(String(chunk));
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- forwarding the overloaded write() as-is
      return (orig as any)(chunk, ...rest);
    }) as typeof stream.write);
  }
  for (const m of ["log", "info", "warn", "error", "debug"] as const) {
    jest.spyOn(console, m).mockImplementation((...args: unknown[]) => {
      captured.push(args.map(String).join(" "));
    });
  }
}, 60_000);

afterAll(async () => {
  jest.restoreAllMocks();
  process.env = savedEnv;
  await new Promise<void>((resolve) => dynamo.close(() => resolve()));
  rmSync(tmp, { recursive: true, force: true });
});

describe.each(CASES)("bundled $flow function in $region", (c) => {
  const poolId = `${c.region}:6f1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d`;
  const provider = "login.wechat.example";
  const appId = "wxintegration0001";
  const secretArn = `arn:${c.partition}:secretsmanager:${c.region}:${accountId}:secret:wechat-AbCdEf`;
  const tableName = `mapping-${c.flow}-${c.region}`;
  const wechat = new FakeWechatServer(appId, APP_SECRET, SESSION_KEY);
  const cognito = new FakeCognitoServer(c.region, poolId, provider);
  const secrets = new FakeSecretsServer(c.region, secretArn, APP_SECRET);
  const sts = new FakeStsServer(CREDS, () => cognito.tokens);
  let handler: Handler;
  let ddb: DynamoDBClient;
  const ctx = (id: string) => ({ awsRequestId: id, getRemainingTimeInMillis: () => 10_000 });
  const event = (code: string, requestContext: Record<string, unknown> = { requestId: "r" }) => ({
    version: "2.0",
    rawPath: "/login/wechat",
    headers: { "content-type": "application/json" },
    isBase64Encoded: false,
    body: JSON.stringify({ code }),
    requestContext,
  });
  const invoke = async (ev: unknown, id = "req") => {
    const res = await handler(ev, ctx(id));
    responses.push(res.body);
    return { ...res, json: JSON.parse(res.body) as Record<string, unknown> };
  };
  const rows = async () =>
    (await ddb.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }))).Items ?? [];

  beforeAll(async () => {
    await Promise.all([wechat.start(), cognito.start(), secrets.start(), sts.start()]);
    ddb = new DynamoDBClient({
      region: c.region,
      endpoint: dynamoUrl,
      credentials: { accessKeyId: "AKIDUMMY", secretAccessKey: DUMMY_SECRET_KEY },
    });
    await ddb.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [
          { AttributeName: "pk", AttributeType: "S" },
          { AttributeName: "identityId", AttributeType: "S" },
        ],
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
        GlobalSecondaryIndexes: [
          {
            IndexName: "byIdentityId",
            KeySchema: [{ AttributeName: "identityId", KeyType: "HASH" }],
            Projection: { ProjectionType: "ALL" },
          },
        ],
      }),
    );
    // Exactly what the infra sets, plus emulator endpoints and dummy credentials.
    process.env = {
      PATH: savedEnv["PATH"],
      AWS_REGION: c.region,
      AWS_ACCESS_KEY_ID: "AKIDUMMYINTEGRATION",
      AWS_SECRET_ACCESS_KEY: DUMMY_SECRET_KEY,
      AWS_SESSION_TOKEN: "dummy-session-token",
      AWS_ENDPOINT_URL_COGNITO_IDENTITY: cognito.server.url,
      AWS_ENDPOINT_URL_STS: sts.server.url,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoUrl,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.server.url,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      IDENTITY_POOL_ID: poolId,
      DEVELOPER_PROVIDER_NAME: provider,
      TOKEN_DURATION_SECONDS: "3600",
      LOGINS_KEY: c.loginsKey,
      TABLE_NAME: tableName,
      WECHAT_APP_ID: appId,
      WECHAT_SECRET_ARN: secretArn,
      USER_KEY: "unionid",
      WECHAT_API_BASE_URL: wechat.server.url,
      POWERTOOLS_SERVICE_NAME: "login-wechat",
      POWERTOOLS_LOG_LEVEL: "DEBUG",
      ...(c.flow === "basic"
        ? {
            AUTHENTICATED_ROLE_ARN: `arn:${c.partition}:iam::${accountId}:role/pool-authenticated`,
            CREDENTIALS_DURATION_SECONDS: "900",
          }
        : {}),
    };
    const bundle = bundles.get(c.flow);
    if (!bundle) throw new Error("bundle missing");
    const dir = mkdtempSync(path.join(tmp, `${c.flow}-${c.region}-`));
    const file = path.join(dir, bundle.fileName);
    writeFileSync(file, bundle.code);
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      handler = (require(file) as { handler: Handler }).handler;
    });
  }, 30_000);

  afterAll(async () => {
    ddb.destroy();
    await Promise.all([
      wechat.server.close(),
      cognito.server.close(),
      secrets.server.close(),
      sts.server.close(),
    ]);
  });

  it("logs a first-time user in, creates the mapping row and reads the AppSecret once", async () => {
    wechat.users.set("first", { openid: "oFirst_0001", unionid: "uFirst_0001" });
    const res = await invoke(event("first"));
    expect(res.statusCode).toBe(200);
    const identityId = cognito.identities.get("wechat-union#uFirst_0001");
    expect(identityId).toMatch(new RegExp(`^${c.region}:[0-9a-f-]{36}$`));
    if (c.flow === "enhanced") {
      expect(res.json).toEqual({
        identityId,
        token: cognito.tokens.at(-1),
        expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        loginsKey: c.loginsKey,
        region: c.region,
        identityPoolId: poolId,
      });
      expect(String(res.json["token"]).split(".")).toHaveLength(3);
      expect(sts.calls).toHaveLength(0);
    } else {
      expect(res.json).toEqual({
        identityId,
        credentials: { ...CREDS, expiration: expect.any(String) },
        region: c.region,
      });
      expect(sts.calls).toHaveLength(1);
      expect(sts.calls[0]?.get("WebIdentityToken")).toBe(cognito.tokens.at(-1));
      expect(sts.calls[0]?.get("RoleArn")).toBe(
        `arn:${c.partition}:iam::${accountId}:role/pool-authenticated`,
      );
      expect(sts.calls[0]?.get("DurationSeconds")).toBe("900");
    }
    expect(cognito.requests.at(-1)).toEqual({
      IdentityPoolId: poolId,
      Logins: { [provider]: "wechat-union#uFirst_0001" },
      TokenDuration: 3600,
    });
    const all = await rows();
    expect(all).toHaveLength(1);
    expect(all[0]).toEqual({
      pk: { S: "wechat-union#uFirst_0001" },
      identityId: { S: identityId },
      createdAt: { S: expect.any(String) },
      lastLoginAt: { S: expect.any(String) },
      appId: { S: appId },
      openid: { S: "oFirst_0001" },
      unionid: { S: "uFirst_0001" },
    });
    const byId = await ddb.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: "byIdentityId",
        KeyConditionExpression: "identityId = :id",
        ExpressionAttributeValues: { ":id": { S: identityId ?? "" } },
      }),
    );
    expect(byId.Items?.map((i) => i["pk"]?.S)).toEqual(["wechat-union#uFirst_0001"]);
    expect(secrets.reads).toBe(1);
  });

  it("gives a returning user the same IdentityId and advances lastLoginAt", async () => {
    wechat.users.set("again", { openid: "oFirst_0001", unionid: "uFirst_0001" });
    const before = (await rows())[0]?.["lastLoginAt"]?.S ?? "";
    await new Promise((r) => setTimeout(r, 5));
    const res = await invoke(event("again"));
    expect(res.statusCode).toBe(200);
    expect(res.json["identityId"]).toBe(cognito.identities.get("wechat-union#uFirst_0001"));
    const after = await rows();
    expect(after).toHaveLength(1);
    expect((after[0]?.["lastLoginAt"]?.S ?? "") > before).toBe(true);
    expect(after[0]?.["createdAt"]?.S).toBe(before);
    expect(secrets.reads).toBe(1); // cached per container
  });

  it("upgrades a guest identity of this pool for a new user", async () => {
    const guest = `${c.region}:0a1b2c3d-4e5f-4a6b-8c7d-9e8f7a6b5c4d`;
    wechat.users.set("guest", { openid: "oGuest_0002" });
    const res = await invoke(
      event("guest", {
        requestId: "g",
        authorizer: {
          iam: {
            cognitoIdentity: {
              amr: ["unauthenticated"],
              identityId: guest,
              identityPoolId: poolId,
            },
          },
        },
      }),
    );
    expect(res.statusCode).toBe(200);
    expect(res.json["identityId"]).toBe(guest);
    expect(cognito.requests.at(-1)?.["IdentityId"]).toBe(guest);
    const pk = `wechat-open#${appId}#oGuest_0002`;
    expect((await rows()).find((r) => r["pk"]?.S === pk)?.["identityId"]?.S).toBe(guest);
  });

  it("returns 401 INVALID_CODE when WeChat says the code was already used", async () => {
    wechat.users.set("used", { errcode: 40163 });
    const res = await invoke(event("used"), "req-used");
    expect(res.statusCode).toBe(401);
    expect(res.json).toEqual({
      error: { code: "INVALID_CODE", message: expect.any(String), requestId: "req-used" },
    });
  });

  it("ends 50 simultaneous first logins of one user with one mapping row and one IdentityId", async () => {
    for (let i = 0; i < 50; i++)
      wechat.users.set(`race-${i}`, { openid: `oRace_${i}`, unionid: "uRace_0003" });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => invoke(event(`race-${i}`))),
    );
    expect(results.map((r) => r.statusCode)).toEqual(Array(50).fill(200));
    expect(new Set(results.map((r) => r.json["identityId"])).size).toBe(1);
    const raceRows = (await rows()).filter((r) => r["pk"]?.S === "wechat-union#uRace_0003");
    expect(raceRows).toHaveLength(1);
    expect(raceRows[0]?.["identityId"]?.S).toBe(results[0]?.json["identityId"]);
  }, 30_000);

  it("never logs the AppSecret, session_key, tokens or credentials", () => {
    const logs = captured.join("\n");
    expect(wechat.secretsSeen).toEqual(new Set([APP_SECRET])); // the fake really saw the secret
    for (const s of [
      APP_SECRET,
      SESSION_KEY,
      CREDS.secretAccessKey,
      CREDS.sessionToken,
      DUMMY_SECRET_KEY,
      ...cognito.tokens,
    ]) {
      expect(logs).not.toContain(s);
    }
    for (const body of responses) {
      expect(body).not.toContain(APP_SECRET);
      expect(body).not.toContain(SESSION_KEY);
    }
    if (c.flow === "basic")
      for (const t of cognito.tokens) for (const b of responses) expect(b).not.toContain(t);
  });
});

describe("bundles", () => {
  it("keep STS out of the enhanced bundle and stay within the size budget", () => {
    const enhanced = bundles.get("enhanced");
    const basic = bundles.get("basic");
    expect(enhanced?.code).not.toMatch(/AssumeRoleWithWebIdentity/);
    expect(basic?.code).toMatch(/AssumeRoleWithWebIdentity/);
    for (const b of [enhanced, basic]) {
      expect(b?.bytes).toBeLessThanOrEqual(600 * 1024);
      expect(b?.handler).toBe("index.handler");
      expect(b?.fileName).toBe("index.js");
      expect(b?.code).not.toContain(["arn", "aws", ""].join(":"));
      expect(b?.code).not.toMatch(/sourceMappingURL/);
    }
  });
});
