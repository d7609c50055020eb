/**
 * Login function benchmark: prints figures (budgets beside them), never pass/fail.
 *   npm run bench
 * Loopback only, bounded loops, ~20 s.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { LoginFlow } from "../core/vocabulary";
import { buildLoginBundle } from "../infra/bundle";
import { makeHandler } from "../functions/login/handler";
import {
  CapturingLogger,
  FakeCognito,
  FakeMapping,
  FakeSts,
  FakeWechat,
  loginEvent,
  testConfig,
} from "../tests/functions/support";

const SIZE_BUDGET = 600 * 1024;
const INIT_RATIO_BUDGET = 3.5;
const COLD_RUNS = 9;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const ms = (n: number) => `${n.toFixed(1)} ms`;

const FUNCTION_ENV = {
  AWS_REGION: "us-east-1",
  IDENTITY_POOL_ID: "us-east-1:6f1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d",
  DEVELOPER_PROVIDER_NAME: "login.wechat",
  TOKEN_DURATION_SECONDS: "900",
  LOGINS_KEY: "cognito-identity.amazonaws.com",
  TABLE_NAME: "mapping",
  WECHAT_APP_ID: "wx0123456789abcdef",
  WECHAT_SECRET_ARN: "wechat-secret",
  USER_KEY: "unionid",
  AUTHENTICATED_ROLE_ARN: `arn:${"aws"}:iam::123456789012:role/authenticated`,
  CREDENTIALS_DURATION_SECONDS: "3600",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};

function timeProcess(args: string[], env: Record<string, string>): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] });
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr.toString().slice(0, 500)}`);
  return elapsed;
}

async function bundles(dir: string): Promise<Record<LoginFlow, string>> {
  console.log("== Bundle size (minified, node22, SDK bundled)");
  const files = {} as Record<LoginFlow, string>;
  for (const flow of ["enhanced", "basic"] as const) {
    const b = await buildLoginBundle(flow);
    const file = path.join(dir, flow, b.fileName);
    spawnSync("mkdir", ["-p", path.dirname(file)]);
    writeFileSync(file, b.code);
    files[flow] = file;
    console.log(
      `  ${flow.padEnd(9)} ${kb(b.bytes).padStart(10)} (gzip ${kb(b.gzipBytes)})   budget ${kb(SIZE_BUDGET)}  ${b.bytes <= SIZE_BUDGET ? "within" : "OVER"}`,
    );
  }
  return files;
}

function coldInit(files: Record<LoginFlow, string>): void {
  console.log(
    `\n== Cold init: whole node process, clean env (PATH + function env), median of ${COLD_RUNS}`,
  );
  const PATH = process.env["PATH"] ?? "/usr/bin:/bin";
  const bare: number[] = [];
  const runs: Record<LoginFlow, number[]> = { enhanced: [], basic: [] };
  timeProcess(["-e", "0"], { PATH }); // warm the page cache
  for (let i = 0; i < COLD_RUNS; i++) {
    bare.push(timeProcess(["-e", "0"], { PATH }));
    for (const flow of ["enhanced", "basic"] as const) {
      runs[flow].push(
        timeProcess(["-e", `require(${JSON.stringify(files[flow])})`], { PATH, ...FUNCTION_ENV }),
      );
    }
  }
  const b = median(bare);
  console.log(`  bare node -e 0   ${ms(b)}`);
  for (const flow of ["enhanced", "basic"] as const) {
    const m = median(runs[flow]);
    const ratio = m / b;
    console.log(
      `  ${flow.padEnd(9)}        ${ms(m)}  = ${ratio.toFixed(2)}x bare   budget ${INIT_RATIO_BUDGET}x  ${ratio <= INIT_RATIO_BUDGET ? "within" : "OVER"}`,
    );
  }
}

function harness(flow: LoginFlow) {
  const wechat = new FakeWechat();
  const cognito = new FakeCognito();
  const mapping = new FakeMapping();
  const sts = new FakeSts();
  const handler = makeHandler({
    config: testConfig(flow),
    wechat: wechat.client(),
    identity: cognito,
    mapping,
    credentials: flow === "basic" ? sts : undefined,
    logger: new CapturingLogger(),
  });
  return { handler, wechat, cognito, mapping, sts };
}

const USER = { openid: "oBench_openid_0001", unionid: "uBench_unionid_0001" };

async function warmCpu(): Promise<void> {
  const N = 3000;
  console.log(
    `\n== Warm per-login CPU, domain only (fakes, no SDK serialization; makeHandler, zero-latency in-memory ports, ${N} returning-user logins)`,
  );
  for (const flow of ["enhanced", "basic"] as const) {
    const h = harness(flow);
    for (let i = 0; i < N + 200; i++) h.wechat.codes.set(`c${i}`, USER);
    for (let i = 0; i < 200; i++) await h.handler(loginEvent({ code: `c${i}` })); // warm-up + row
    const before = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 200; i < N + 200; i++) {
      const res = await h.handler(loginEvent({ code: `c${i}` }));
      if (res.statusCode !== 200) throw new Error(`unexpected ${res.statusCode}`);
    }
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(before);
    const perLogin = (cpu.user + cpu.system) / 1000 / N;
    console.log(
      `  ${flow.padEnd(9)} ${(perLogin * 1000).toFixed(1)} us CPU/login  (${((wall / N) * 1000).toFixed(1)} us wall/login)`,
    );
  }
}

async function latency(): Promise<void> {
  const N = 15;
  console.log(
    `\n== Login latency, domain only (in-memory fakes with injected latency: WeChat 50 ms, Cognito 30 ms, DynamoDB 10 ms, STS 30 ms; median of ${N})`,
  );
  for (const flow of ["enhanced", "basic"] as const) {
    const h = harness(flow);
    h.wechat.latencyMs = 50;
    h.cognito.latencyMs = 30;
    h.mapping.latencyMs = 10;
    h.sts.latencyMs = 30;
    const first: number[] = [];
    const returning: number[] = [];
    for (let i = 0; i < N; i++) {
      const fresh = { openid: `oFresh_${i}`, unionid: `uFresh_${i}` };
      h.wechat.codes.set(`f${i}`, fresh);
      h.wechat.codes.set(`r${i}`, fresh);
      let t0 = performance.now();
      await h.handler(loginEvent({ code: `f${i}` }));
      first.push(performance.now() - t0);
      t0 = performance.now();
      await h.handler(loginEvent({ code: `r${i}` }));
      returning.push(performance.now() - t0);
    }
    const ideal = flow === "enhanced" ? "50 + max(30, 10) = 80" : "50 + max(30 + 30, 10) = 110";
    console.log(
      `  ${flow.padEnd(9)} returning ${ms(median(returning))} (ideal ${ideal} ms)   first login ${ms(median(first))}`,
    );
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "login-bench-"));
  try {
    const files = await bundles(dir);
    coldInit(files);
    await warmCpu();
    await latency();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
