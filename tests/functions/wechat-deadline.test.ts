/**
 * The WeChat deadline under garbage collection: the BUNDLED function runs in a fresh
 * `node --expose-gc` process that calls gc() every 50 ms while WeChat (a local server) stalls,
 * once before sending headers and once after sending headers and part of the body. The answer
 * must be 503 UPSTREAM_UNAVAILABLE with Retry-After within WECHAT_TIMEOUT_MS of the request
 * reaching WeChat (a timeout source that GC can collect makes it ~9 s, or never).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { WECHAT_TIMEOUT_MS } from "../../functions/login/wechat";
import { buildLoginBundle } from "../../infra/bundle";
import { FakeSecretsServer } from "./fake-upstreams";

const REGION = "us-east-1";
const SECRET_ARN = `arn:${"aws"}:secretsmanager:${REGION}:123456789012:secret:wechat-AbCdEf`;
const APP_SECRET = "gc-app-secret-0a1b2c3d4e5f";
/** Process start-up, GC pauses and scheduling on a shared machine; far below the old ~9 s. */
const SLACK_MS = 600;

const CHILD = `
const { handler } = require(process.argv[1]);
setInterval(() => globalThis.gc(), 50);
const remaining = Number(process.env.TEST_REMAINING_MS);
const t0 = Date.now();
const event = {
  version: "2.0",
  rawPath: "/login/wechat",
  isBase64Encoded: false,
  body: JSON.stringify({ code: "gc-code" }),
  requestContext: { requestId: "gc" },
};
handler(event, { awsRequestId: "gc", getRemainingTimeInMillis: () => remaining - (Date.now() - t0) })
  .then((res) => {
    process.stdout.write("RESULT " + JSON.stringify({ at: Date.now(), elapsed: Date.now() - t0, res }) + "\\n");
    process.exit(0);
  });
`;

type Stall = "headers" | "body";

interface Stalled {
  url: string;
  arrivals: number[];
  secrets: string[];
  close(): Promise<void>;
}

/** jscode2session that never answers (`headers`) or stops mid-body (`body`). */
async function startStalled(stall: Stall): Promise<Stalled> {
  const arrivals: number[] = [];
  const secrets: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    arrivals.push(Date.now());
    secrets.push(new URL(req.url ?? "/", "http://x").searchParams.get("secret") ?? "");
    if (stall === "body") {
      res.writeHead(200, { "content-type": "text/plain", "content-length": "200" });
      res.write('{"openid":"oStalled",');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrivals,
    secrets,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface ChildResult {
  /** Wall clock at the answer, and ms since the handler was called (child's own clock). */
  at: number;
  elapsed: number;
  res: { statusCode: number; headers: Record<string, string>; body: string };
}

function runChild(file: string, env: NodeJS.ProcessEnv, killAfterMs: number) {
  return new Promise<ChildResult | undefined>((resolve) => {
    const child = spawn(process.execPath, ["--expose-gc", "-e", CHILD, file], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
    child.stderr.resume();
    const killer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    child.on("close", () => {
      clearTimeout(killer);
      const line = out.split("\n").find((l) => l.startsWith("RESULT "));
      resolve(line ? (JSON.parse(line.slice("RESULT ".length)) as ChildResult) : undefined);
    });
  });
}

const tmp = mkdtempSync(path.join(tmpdir(), "login-gc-"));
let bundleFile = "";
let secrets: FakeSecretsServer;

beforeAll(async () => {
  const bundle = await buildLoginBundle("enhanced");
  bundleFile = path.join(tmp, bundle.fileName);
  writeFileSync(bundleFile, bundle.code);
  secrets = await new FakeSecretsServer(REGION, SECRET_ARN, APP_SECRET).start();
}, 30_000);

afterAll(async () => {
  await secrets.server.close();
  rmSync(tmp, { recursive: true, force: true });
});

function env(wechatUrl: string, remainingMs: number): NodeJS.ProcessEnv {
  const nowhere = "http://127.0.0.1:9"; // never reached: the login fails at WeChat
  return {
    PATH: process.env["PATH"],
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: "AKIDUMMYGC",
    AWS_SECRET_ACCESS_KEY: "dummy-secret-access-key-gc",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.server.url,
    AWS_ENDPOINT_URL_COGNITO_IDENTITY: nowhere,
    AWS_ENDPOINT_URL_DYNAMODB: nowhere,
    IDENTITY_POOL_ID: `${REGION}:6f1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d`,
    DEVELOPER_PROVIDER_NAME: "login.wechat.example",
    TABLE_NAME: "mapping",
    WECHAT_APPS: JSON.stringify([
      { appId: "wx5e0c7a9d3b1f2468", kind: "miniprogram", secretArn: SECRET_ARN },
    ]),
    WECHAT_API_BASE_URL: wechatUrl,
    POWERTOOLS_LOG_LEVEL: "ERROR",
    TEST_REMAINING_MS: String(remainingMs),
  };
}

const CASES: [Stall, string, number, number][] = [
  ["headers", "the WeChat timeout", 10_000, WECHAT_TIMEOUT_MS],
  ["body", "the WeChat timeout", 10_000, WECHAT_TIMEOUT_MS],
  // Lambda has 3 s left: the invocation deadline (remaining - 0.5 s) comes before WeChat's 3 s.
  ["headers", "the invocation deadline", 3000, 2500],
  ["body", "the invocation deadline", 3000, 2500],
];

interface Outcome {
  wechat: Stalled;
  result: ChildResult | undefined;
}

/** All four processes run at once (each case waits seconds on purpose). */
const outcomes = new Map<string, Outcome>();

beforeAll(async () => {
  await Promise.all(
    CASES.map(async ([stall, label, remainingMs]) => {
      const wechat = await startStalled(stall);
      try {
        const result = await runChild(bundleFile, env(wechat.url, remainingMs), 12_000);
        outcomes.set(`${stall} ${label}`, { wechat, result });
      } finally {
        await wechat.close();
      }
    }),
  );
}, 30_000);

describe("WeChat stalls while the process forces GC every 50 ms", () => {
  it.each(CASES)(
    "stalled %s: answers 503 with Retry-After at %s",
    (stall, label, _remainingMs, expectedMs) => {
      const { wechat, result } = outcomes.get(`${stall} ${label}`) as Outcome;
      expect(wechat.arrivals).toHaveLength(1); // WeChat really was called, once
      expect(wechat.secrets).toEqual([APP_SECRET]);
      expect(result).toBeDefined();
      const { at, elapsed, res } = result as ChildResult;
      expect(res.statusCode).toBe(503);
      expect(res.headers["retry-after"]).toBe("1");
      expect((JSON.parse(res.body) as { error: { code: string } }).error.code).toBe(
        "UPSTREAM_UNAVAILABLE",
      );
      expect(res.body).not.toContain(APP_SECRET);
      const waited = at - (wechat.arrivals[0] ?? 0);
      expect(waited).toBeLessThan(expectedMs + SLACK_MS);
      expect(elapsed).toBeGreaterThanOrEqual(expectedMs - 5); // not early either (timer slop)
    },
  );
});
