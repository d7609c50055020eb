/**
 * IAM parity of every function the committed stacks deploy: mocks and emulators never evaluate
 * IAM, so a permission a function lacks would first show in production (as 500s), and a grant
 * nothing uses breaks least privilege. For each stack, each synthesized Lambda function runs as
 * its REAL bundle (the one whose digest the synthesis deploys) with the environment the stack sets,
 * through its routes: first login, returning login, OAuth app, concurrent first logins, unionid
 * migration, mapping repair, AppSecret rotation retry, guest-signed logins where a login route is
 * signed, and account deletion. Every AWS request is captured where it leaves the function
 * (tests/support/awsCapture.ts) and evaluated (tests/support/iam.ts) against the execution
 * role's policies as synthesized: action, the resource ARN IAM authorizes for that operation, and
 * the statement's conditions. Then every Allow (each action on each resource of each statement)
 * must be used by some request, or be one of the requests the Lambda service makes with the role
 * (LAMBDA_SERVICE_REQUESTS, with why).
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { DynamoDBClient, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { arn, partitionOfRegion } from "../../core/partition";
import { ACCOUNT_ROUTE, LOGIN_ROUTES, routeKey } from "../../core/routes";
import { buildAccountBundle, buildLoginBundle, type LoginBundle } from "../../infra/bundle";
import { synthesize, type Synthesis } from "../../scripts/synth";
import {
  createMappingTable,
  FakeCognitoServer,
  FakeSecretsServer,
  FakeStsServer,
  FakeWechatServer,
} from "../functions/fake-upstreams";
import { authorizationOf, startCapture, type Capture } from "../support/awsCapture";
import {
  evaluate,
  statementsOf,
  type AuthorizationRequest,
  type Document,
  type Statement,
} from "../support/iam";
import { boundaryOf, documentsOf } from "../support/roleDocuments";
import { committed, ofType, STACKS } from "../support/stacks";

// dynalite ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require("dynalite") as (opts: { createTableMs: number }) => Server;

type Handler = (event: unknown, context?: unknown) => Promise<{ statusCode: number; body: string }>;

interface DeployedFunction {
  readonly name: string;
  readonly kind: "login" | "account";
  readonly roleArn: string;
  readonly env: Record<string, string>;
  readonly bundle: LoginBundle;
  /** The role's policies as synthesized, and its permissions boundary if any. */
  readonly identity: Document[];
  readonly boundary: Document | undefined;
  /** Its log group: Lambda's default `/aws/lambda/<name>` unless the function sets one. */
  readonly logGroup: string;
  /** Active X-Ray tracing. */
  readonly tracing: boolean;
}

/**
 * Requests the Lambda service makes with a function's execution role, which no capture of the
 * function can see: writing the function's output to its log group (Lambda Developer Guide,
 * "Sending Lambda function logs to CloudWatch Logs": CreateLogStream and PutLogEvents, each on the
 * log stream's ARN, Service Authorization Reference for CloudWatch Logs; the stack creates the
 * group itself, so no CreateLogGroup), and with active tracing, sending its traces to X-Ray.
 */
function lambdaServiceRequests(fn: DeployedFunction, at: Where): AuthorizationRequest[] {
  const stream = `${at.arnOf("logs", `log-group:${fn.logGroup}`)}:log-stream:2026/12/01/[$LATEST]0123456789abcdef0123456789abcdef`;
  const context = { "aws:RequestedRegion": at.region };
  return [
    ...["logs:CreateLogStream", "logs:PutLogEvents"].map((action) => ({
      action,
      resource: stream,
      context,
    })),
    // Active tracing: Lambda sends the traces with the role (X-Ray actions have no resource type).
    ...(fn.tracing
      ? ["xray:PutTraceSegments", "xray:PutTelemetryRecords"].map((action) => ({
          action,
          resource: "*",
          context,
        }))
      : []),
  ];
}

interface Where {
  readonly region: string;
  readonly accountId: string;
  arnOf(service: string, resource: string): string;
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

async function deployedFunctions(synth: Synthesis): Promise<DeployedFunction[]> {
  const builds = await Promise.all([
    buildLoginBundle("enhanced").then((b) => ({ kind: "login" as const, b })),
    buildLoginBundle("basic").then((b) => ({ kind: "login" as const, b })),
    buildAccountBundle().then((b) => ({ kind: "account" as const, b })),
  ]);
  return ofType(synth, "aws:lambda/function:Function").map((fn) => {
    const s = fn.state as Record<string, unknown>;
    const code = (s["code"] as { assets?: Record<string, { sha256?: string }> }).assets ?? {};
    const digest = Object.values(code)[0]?.sha256;
    const built = builds.find((x) => sha256(x.b.code) === digest);
    if (!built) throw new Error(`${fn.name}: its code is none of the bundles this test runs`);
    const roleArn = str(s["role"]);
    const role = ofType(synth, "aws:iam/role:Role").find((r) => r.state["arn"] === roleArn);
    if (!role) throw new Error(`${fn.name}: no role ${roleArn} in the stack`);
    const name = str(s["name"]);
    const logging = s["loggingConfig"] as { logGroup?: string } | undefined;
    return {
      name,
      kind: built.kind,
      roleArn,
      env: (s["environment"] as { variables?: Record<string, string> }).variables ?? {},
      bundle: built.b,
      identity: documentsOf(synth, role),
      boundary: boundaryOf(synth, role),
      logGroup: logging?.logGroup ?? `/aws/lambda/${name}`,
      tracing: (s["tracingConfig"] as { mode?: string } | undefined)?.mode === "Active",
    };
  });
}

interface WechatApp {
  appId: string;
  kind: "miniprogram" | "oauth";
  secretArn: string;
}

const MP_SECRET = "parity-mp-secret-3b5d7f9a1c2e4d6f";
const OAUTH_SECRET = "parity-oauth-secret-8e6c4a2b0d9f7e5c";
const ROTATED = "parity-rotated-secret-1a3c5e7b9d2f4a6c";

const tmp = mkdtempSync(path.join(tmpdir(), "iam-parity-"));
const savedEnv = { ...process.env };
/** The bundles' log lines (a failed invocation's error says why). */
const logged: string[] = [];

beforeAll(async () => {
  // The bundles' JSON log lines: kept, not printed.
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    jest.spyOn(stream, "write").mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      if (!String(chunk).trimStart().startsWith("{"))
        return (write as (c: unknown, ...r: unknown[]) => boolean)(chunk, ...rest);
      logged.push(String(chunk));
      return true;
    }) as typeof stream.write);
  }
});

afterAll(async () => {
  jest.restoreAllMocks();
  process.env = savedEnv;
  rmSync(tmp, { recursive: true, force: true });
});

/** The function as Lambda runs it: its env, the role's keys, the captured endpoints. */
function load(fn: DeployedFunction, env: NodeJS.ProcessEnv): Handler {
  const file = path.join(mkdtempSync(path.join(tmp, `${fn.kind}-`)), fn.bundle.fileName);
  writeFileSync(file, fn.bundle.code);
  process.env = env;
  let loaded: Handler | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = (require(file) as { handler: Handler }).handler;
  });
  if (!loaded) throw new Error(`${fn.name}: the bundle exports no handler`);
  const handler = loaded;
  return (event, context) => {
    process.env = env;
    return handler(event, context);
  };
}

interface Run {
  readonly synth: Synthesis;
  readonly functions: DeployedFunction[];
  readonly capture: Capture;
  /** Access key id of each function's role credentials -> the function. */
  readonly byKey: Map<string, DeployedFunction>;
  readonly where: Where;
  readonly identityPoolId: string;
  close(): Promise<void>;
}

let seq = 0;

async function runStack(synth: Synthesis): Promise<Run> {
  const functions = await deployedFunctions(synth);
  const login = functions.find((f) => f.kind === "login");
  const account = functions.find((f) => f.kind === "account");
  if (!login || !account) throw new Error(`${synth.stack}: a login and an account function`);
  const region = synth.region;
  const partition = partitionOfRegion(region);
  if (!partition) throw new Error(`${region}: no partition`);
  const where: Where = {
    region,
    accountId: synth.accountId,
    arnOf: (service, resource) => arn({ partition }, service, region, synth.accountId, resource),
  };
  const poolId = login.env["IDENTITY_POOL_ID"] ?? "";
  const provider = login.env["DEVELOPER_PROVIDER_NAME"] ?? "";
  const tableName = login.env["TABLE_NAME"] ?? "";
  const apps = JSON.parse(login.env["WECHAT_APPS"] ?? "[]") as WechatApp[];
  const mp = apps.find((a) => a.kind === "miniprogram");
  const oauth = apps.find((a) => a.kind === "oauth");
  if (!mp || !oauth) throw new Error(`${synth.stack}: a mini-program and an OAuth app`);

  // The stand-ins answer for the stack's own names: its pool, table and secret ARNs.
  const wechat = new FakeWechatServer(mp.appId, MP_SECRET, "c2Vzc2lvbi1rZXk=").addApp(
    oauth.appId,
    "oauth",
    OAUTH_SECRET,
  );
  const cognito = new FakeCognitoServer(region, poolId, provider);
  const secrets = new FakeSecretsServer(region, mp.secretArn, MP_SECRET);
  secrets.secrets.set(oauth.secretArn, OAUTH_SECRET);
  // The basic flow's STS: it accepts the tokens this Cognito issued.
  const sts = new FakeStsServer(
    {
      accessKeyId: "ASIAPARITYUSER",
      secretAccessKey: "parity-user-secret",
      sessionToken: "parity-user-session",
    },
    () => cognito.tokens,
  );
  await Promise.all([wechat.start(), cognito.start(), secrets.start(), sts.start()]);
  // The stack's table, in a DynamoDB of its own.
  const dynamo = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => dynamo.listen(0, "127.0.0.1", () => resolve()));
  const dynamoUrl = `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`;
  const ddb = new DynamoDBClient({
    region,
    endpoint: dynamoUrl,
    credentials: { accessKeyId: "AKIDPARITYSETUP", secretAccessKey: "parity-setup" },
  });
  await createMappingTable(ddb, tableName);
  const capture = await startCapture({
    COGNITO_IDENTITY: cognito.server.url,
    DYNAMODB: dynamoUrl,
    SECRETS_MANAGER: secrets.server.url,
    STS: sts.server.url,
  });
  const byKey = new Map<string, DeployedFunction>();
  const handlers = new Map<DeployedFunction, Handler>();
  for (const fn of functions) {
    const key = `ASIAPARITY${(++seq).toString().padStart(10, "0")}`;
    byKey.set(key, fn);
    handlers.set(
      fn,
      load(fn, {
        PATH: savedEnv["PATH"],
        ...fn.env,
        AWS_REGION: region,
        AWS_ACCESS_KEY_ID: key,
        AWS_SECRET_ACCESS_KEY: "parity-role-secret-access-key",
        AWS_SESSION_TOKEN: "parity-role-session-token",
        ...capture.env,
        WECHAT_API_BASE_URL: wechat.server.url,
      }),
    );
  }

  const invoke = async (fn: DeployedFunction, event: unknown) => {
    const res = await (handlers.get(fn) as Handler)(event, { awsRequestId: `r${++seq}` });
    if (res.statusCode !== 200) {
      throw new Error(
        `${fn.name}: ${res.statusCode} ${res.body}\n${logged
          .filter((l) => !l.startsWith('{"_aws"'))
          .slice(-2)
          .join("")}`,
      );
    }
    return JSON.parse(res.body) as { identityId: string };
  };
  let codes = 0;
  const loginAs = (
    app: WechatApp,
    user: { openid: string; unionid?: string },
    requestContext: Record<string, unknown> = {},
  ) => {
    const code = `parity-code-${++codes}`;
    wechat.users.set(code, user);
    const route = LOGIN_ROUTES[app.kind];
    return invoke(login, {
      version: "2.0",
      routeKey: routeKey(route),
      rawPath: route.path,
      headers: { "content-type": "application/json" },
      isBase64Encoded: false,
      body: JSON.stringify({ code, appId: app.appId }),
      requestContext: { requestId: `q${codes}`, ...requestContext },
    });
  };
  const user = (tag: string, unionid = true) => ({
    openid: `oParity${tag}${synth.stack}`,
    ...(unionid ? { unionid: `uParity${tag}${synth.stack}` } : {}),
  });

  // First login, then the same user returning; a first login on the OAuth app (its secret).
  const a = await loginAs(mp, user("A"));
  await loginAs(mp, user("A"));
  await loginAs(oauth, user("B"));
  // Simultaneous first logins of one user: the conditional create loses, the row is read back.
  await Promise.all(Array.from({ length: 6 }, () => loginAs(mp, user("C"))));
  // Unionid migration: an openid-only user whose unionid appears later is merged.
  await loginAs(mp, user("D", false));
  await loginAs(mp, user("D"));
  // Mapping repair: a row naming another identity is rewritten to Cognito's.
  await loginAs(mp, user("E"));
  await ddb.send(
    new UpdateItemCommand({
      TableName: tableName,
      Key: { pk: { S: `wechat-union#${user("E").unionid}` } },
      UpdateExpression: "SET identityId = :other",
      ExpressionAttributeValues: { ":other": { S: cognito.model.createGuest() } },
    }),
  );
  await loginAs(mp, user("E"));
  // AppSecret rotation: WeChat rejects the cached secret, the function reads it again.
  const reads = secrets.reads;
  wechat.apps.set(mp.appId, { kind: "miniprogram", secret: ROTATED });
  secrets.secrets.set(mp.secretArn, ROTATED);
  await loginAs(mp, user("F"));
  if (secrets.reads !== reads + 1) throw new Error("the rotation retry read no secret");
  // Guest-signed logins exist only where a login route is SigV4-signed (loginAuth: iam): the
  // IAM authorizer then names the guest, whom a new user's login upgrades.
  const signedRoutes = ofType(synth, "aws:apigatewayv2/route:Route").filter(
    (r) =>
      str(r.state["routeKey"]).startsWith("POST /login") &&
      r.state["authorizationType"] === "AWS_IAM",
  );
  if (signedRoutes.length > 0) {
    const guest = cognito.model.createGuest();
    const authorizer = {
      iam: {
        cognitoIdentity: { amr: ["unauthenticated"], identityId: guest, identityPoolId: poolId },
      },
    };
    await loginAs(mp, user("G"), { authorizer });
  }
  // Account deletion of a signed-in user (its logins, rows, claim and identity).
  await invoke(account, {
    version: "2.0",
    routeKey: routeKey(ACCOUNT_ROUTE),
    rawPath: ACCOUNT_ROUTE.path,
    headers: {},
    isBase64Encoded: false,
    requestContext: {
      requestId: "delete-a",
      authorizer: {
        iam: {
          cognitoIdentity: {
            amr: ["authenticated", provider, `${provider}:${poolId}:x`],
            identityId: a.identityId,
            identityPoolId: poolId,
          },
        },
      },
    },
  });
  if (cognito.model.logins.has(a.identityId)) throw new Error("account deletion left A");

  return {
    synth,
    functions,
    capture,
    byKey,
    where,
    identityPoolId: poolId,
    close: async () => {
      ddb.destroy();
      await Promise.all([
        capture.close(),
        wechat.server.close(),
        cognito.server.close(),
        secrets.server.close(),
        sts.server.close(),
        new Promise<void>((resolve) => dynamo.close(() => resolve())),
      ]);
    },
  };
}

/** Each function's requests as IAM authorizes them (function requests, then Lambda's own). */
function authorizations(run: Run): Map<DeployedFunction, AuthorizationRequest[]> {
  const out = new Map<DeployedFunction, AuthorizationRequest[]>(
    run.functions.map((f) => [f, lambdaServiceRequests(f, run.where)]),
  );
  for (const r of run.capture.requests) {
    const auth = authorizationOf(r, {
      accountId: run.where.accountId,
      identityPoolId: run.identityPoolId,
    });
    if (auth.kind === "unsigned") continue;
    const fn = run.byKey.get(r.signed?.accessKeyId ?? "");
    if (!fn) throw new Error(`${r.operation} signed with keys of no function`);
    out.get(fn)?.push(auth.request);
  }
  return out;
}

const list = (v: string | readonly string[] | undefined): readonly string[] =>
  v === undefined ? [] : typeof v === "string" ? [v] : v;

/**
 * Both committed stacks, and the China stack with the basic flow and signed login routes: the
 * paths neither committed stack deploys (STS, guest upgrade with its index query).
 */
const CASES = [
  ...STACKS.map(({ stack }) => ({ label: stack, synth: () => committed(stack) })),
  {
    label: "cn-north-1 with loginFlow basic and loginAuth iam",
    synth: () => synthesize("cn-north-1", { loginFlow: "basic", loginAuth: "iam" }),
  },
];

describe.each(CASES)("$label: each function's AWS requests against its role", ({ synth }) => {
  let run: Run;
  let requests: Map<DeployedFunction, AuthorizationRequest[]>;
  beforeAll(async () => {
    run = await runStack(await synth());
    requests = authorizations(run);
  }, 60_000);
  afterAll(() => run?.close());

  it("runs a login and an account function, each as the bundle the stack deploys", () => {
    expect(run.functions.map((f) => f.kind).sort()).toEqual(["account", "login"]);
    // Every call the functions made was captured, none went to a service without a stand-in.
    expect(run.capture.requests.filter((r) => r.endpoint === "generic")).toEqual([]);
    for (const fn of run.functions)
      expect(
        run.capture.requests.some((r) => run.byKey.get(r.signed?.accessKeyId ?? "") === fn),
      ).toBe(true);
  });

  it("uses AWS managed keys only: no KMS request on the functions' behalf to grant", () => {
    // With a customer managed key, GetSecretValue also needs kms:Decrypt on the key (Secrets
    // Manager User Guide, "Secret encryption and decryption"), a call Secrets Manager makes that
    // no capture sees: model it here before such a key is used.
    const keyed = [
      ...ofType(run.synth, "aws:secretsmanager/secret:Secret").filter((r) => r.state["kmsKeyId"]),
      ...ofType(run.synth, "aws:dynamodb/table:Table").filter(
        (r) => (r.state["serverSideEncryption"] as { kmsKeyArn?: string })?.kmsKeyArn,
      ),
    ];
    expect(keyed.map((r) => r.name)).toEqual([]);
  });

  it("allows every request each function makes: action, resource ARN, conditions", () => {
    const denied: string[] = [];
    for (const [fn, reqs] of requests) {
      for (const r of reqs) {
        if (!evaluate(fn.identity, r, fn.boundary).allowed)
          denied.push(`${fn.name}: ${r.action} on ${r.resource}`);
      }
    }
    expect([...new Set(denied)]).toEqual([]);
  });

  it("grants nothing unused: every action on every resource of every Allow is exercised", () => {
    const unused: string[] = [];
    for (const [fn, reqs] of requests) {
      fn.identity.forEach((doc) =>
        statementsOf(doc).forEach((s: Statement, i) => {
          if (s.Effect !== "Allow") return;
          const label = `${fn.name} ${s.Sid ?? `#${i}`}`;
          // What a NotAction / NotResource Allow grants is open-ended: no request can show it used.
          if (
            s.NotAction !== undefined ||
            s.NotResource !== undefined ||
            s.Resource === undefined
          ) {
            unused.push(`${label}: NotAction, NotResource or no Resource in an Allow`);
            return;
          }
          for (const action of list(s.Action)) {
            for (const resource of list(s.Resource)) {
              const one: Statement = { ...s, Action: action, Resource: resource };
              if (!reqs.some((r) => evaluate([{ Statement: [one] }], r).allowed))
                unused.push(`${label}: ${action} on ${resource}`);
            }
          }
        }),
      );
    }
    expect(unused).toEqual([]);
  });
});
