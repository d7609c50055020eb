/**
 * Login function benchmark: what users wait for, measured on the BUILT bundle (infra/bundle.ts)
 * in fresh child processes (bench/driver.cjs) that call loopback stubs of WeChat and the AWS
 * endpoints (bench/stubs.ts) through the function's own signed AWS client, as Lambda runs it.
 * Prints figures beside their budgets, never pass/fail (timing never lives in tests).
 *   npm run bench [-- --baseline <git-ref>] [--pairs N] [--warm-runs N] [--steady N] [--tls]
 *                 [--only 1,2] [--instructions N] [--warm-instructions N]
 * Sections: 1 init + first login vs bare node (Node 22 and this machine's Node), 2 warm CPU per
 * login, 3 logins/s on one core, 4 latency with injected upstream delays, 5 bundle sizes; 6 (opt-in)
 * section 1's children counted in instructions under valgrind (bench/instructions.ts); 7 (opt-in)
 * section 2's window of returning logins counted in instructions the same way.
 * Loopback only, bounded loops, ~1 min (~2 min with --baseline).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { cpus, loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { LOGIN_FLOWS, type LoginFlow } from "../core/vocabulary";
import { buildLoginBundle, type LoginBundle } from "../infra/bundle";
import { parseArgs } from "./args";
import { buildBaseline } from "./baseline";
import { node22 } from "./node22";
import { DRIVER, measure, type Measured } from "./proc";
import { functionEnv, selfSignedCertificate } from "./env";
import { instructionSection, warmInstructionSection } from "./instructions";
import { NO_DELAYS, Upstreams, type Delays } from "./stubs";

const BUDGET = {
  coldRatio: 2.5,
  coldMoonshot: 1.5,
  warmReturningMs: 1,
  bundleBytes: 600 * 1024,
};
const DELAYS: Delays = { wechat: 50, cognito: 30, dynamodb: 10, secrets: 30, sts: 30 };
/** Critical paths (functions/README.md): WeChat, then Cognito beside the row update, then... */
const IDEAL: Record<LoginFlow, { returning: number; first: number }> = {
  // returning: 50 + max(30, 10); first: 50 + max(30, 10) + PutItem 10
  enhanced: { returning: 80, first: 90 },
  // basic: STS follows Cognito (+30); on a first login it runs beside the PutItem
  basic: { returning: 110, first: 110 },
};
const WARM_N = 200;
/** Warm-up pairs (returning + first-time) before section 2 times logins 101-300. */
const WARM_WARMUP = 50;
const THROUGHPUT_SECONDS = 3;
const CONCURRENCY = 50;
const LATENCY_N = 15;
/** The returning user of every run (the first warm-up run creates its mapping row). */
const USER = "benchuser1";

/** Something the driver can run like a bundle: a login bundle, or the floor (bench/floor.cjs). */
interface Timed {
  readonly label: string;
  readonly flow: LoginFlow;
  readonly file: string;
  /** The floor: Node's own cost of the login's requests; printed without a budget verdict. */
  readonly floor?: true;
}

/**
 * The floor under the bundles of each flow (bench/floor.cjs, run in that flow's environment: the
 * basic one adds the STS request), timed beside them.
 */
const FLOORS: readonly Timed[] = [
  {
    label: "node http floor",
    flow: "enhanced",
    file: path.join(__dirname, "floor.cjs"),
    floor: true,
  },
  {
    label: "basic http floor",
    flow: "basic",
    file: path.join(__dirname, "floor.cjs"),
    floor: true,
  },
];
/** Requests of a returning login per flow (the cold start adds the Secrets Manager read). */
const REQUESTS: Record<LoginFlow, number> = { enhanced: 3, basic: 4 };

interface Variant extends Timed {
  readonly bundle: LoginBundle;
}
interface NodeBin {
  readonly label: string;
  readonly path: string;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
};
const f1 = (n: number) => n.toFixed(1);
const pad = (s: string, n: number) => s.padEnd(n);
const verdict = (ok: boolean) => (ok ? "within" : "OVER");

type EnvOf = (flow: LoginFlow) => Record<string, string>;

function sizes(variants: readonly Variant[]): void {
  console.log("\n== 5. Bundle size (esbuild, minified, node22 target)");
  for (const v of variants) {
    const b = v.bundle;
    console.log(
      `  ${pad(v.label, 20)} ${f1(b.bytes / 1024).padStart(7)} KB  gzip ${f1(b.gzipBytes / 1024).padStart(6)} KB   budget ${BUDGET.bundleBytes / 1024} KB  ${verdict(b.bytes <= BUDGET.bundleBytes)}`,
    );
  }
}

interface ColdReport {
  initCpuUs: number;
  initMs: number;
  loginCpuUs: number;
  loginMs: number;
}

async function cold(node: NodeBin, variants: readonly Timed[], pairs: number, envOf: EnvOf) {
  const bareArgs = ["-e", "0"];
  const coldArgs = (v: Timed) => [DRIVER, "cold", v.file, JSON.stringify({ user: USER })];
  // Page cache, and the returning user's mapping row.
  // Bare node never gets the stubs' CA: Node 20 loads NODE_EXTRA_CA_CERTS (and with it the root
  // store) eagerly at start-up, which Lambda's bare runtime does not pay before its first TLS use.
  const bareEnv = (flow: LoginFlow) => {
    const { NODE_EXTRA_CA_CERTS: _ca, ...env } = envOf(flow);
    return env;
  };
  await measure(node.path, bareArgs, bareEnv("enhanced"));
  for (const v of variants) await measure(node.path, coldArgs(v), envOf(v.flow));
  const bare = new Map<Timed, Measured<unknown>[]>(variants.map((v) => [v, []]));
  const runs = new Map<Timed, Measured<ColdReport>[]>(variants.map((v) => [v, []]));
  for (let i = 0; i < pairs; i++) {
    for (const v of variants) {
      bare.get(v)?.push(await measure(node.path, bareArgs, bareEnv(v.flow)));
      runs.get(v)?.push(await measure<ColdReport>(node.path, coldArgs(v), envOf(v.flow)));
    }
  }
  console.log(`\n  ${node.label}`);
  const all = [...bare.values()].flat();
  console.log(
    `    ${pad("bare node -e 0", 20)} CPU ${f1(median(all.map((m) => m.cpuMs))).padStart(6)} ms          wall ${f1(median(all.map((m) => m.wallMs))).padStart(6)} ms`,
  );
  for (const v of variants) {
    const b = bare.get(v) ?? [];
    const r = runs.get(v) ?? [];
    const cpu = median(r.map((m) => m.cpuMs));
    const wall = median(r.map((m) => m.wallMs));
    const cpuRatio = cpu / median(b.map((m) => m.cpuMs));
    const wallRatio = wall / median(b.map((m) => m.wallMs));
    const part = (k: keyof ColdReport, scale: number) =>
      f1(median(r.map((m) => (m.report?.[k] ?? NaN) / scale)));
    const budget = v.floor
      ? `no budget: node:http/https/crypto + the login's ${REQUESTS[v.flow] + 1} requests, nothing else`
      : `budget <= ${BUDGET.coldRatio}x (moonshot ${BUDGET.coldMoonshot}x): CPU ${verdict(cpuRatio <= BUDGET.coldRatio)}, wall ${verdict(wallRatio <= BUDGET.coldRatio)}`;
    console.log(
      `    ${pad(v.label, 20)} CPU ${f1(cpu).padStart(6)} ms = ${cpuRatio.toFixed(2)}x  wall ${f1(wall).padStart(6)} ms = ${wallRatio.toFixed(2)}x   ${budget}`,
    );
    console.log(
      `    ${pad("", 20)} inside the child: require ${part("initCpuUs", 1000)} ms CPU (${part("initMs", 1)} ms wall), first login ${part("loginCpuUs", 1000)} ms CPU (${part("loginMs", 1)} ms wall)`,
    );
  }
}

interface WarmReport {
  n: number;
  returning: { cpuUs: number; ms: number };
  first: { cpuUs: number; ms: number };
  steady?: { cpuUs: number; ms: number };
}

async function warm(
  node: NodeBin,
  variants: readonly Timed[],
  envOf: EnvOf,
  runs: number,
  steadyWarmup: number,
): Promise<void> {
  console.log(
    `\n== 2. Warm CPU per login (${node.label}; one warm process per bundle and run, ${WARM_N} sequential logins each, ${runs} interleaved run(s) per bundle${runs > 1 ? ": median [min-max]" : ""}, real SDK serialization against the stubs; process.resourceUsage)`,
  );
  type Figures = { r: number[]; first: number[]; rw: number[]; fw: number[]; steady: number[] };
  const per = new Map<Timed, Figures>(
    variants.map((v) => [v, { r: [], first: [], rw: [], fw: [], steady: [] }]),
  );
  for (let i = 0; i < runs; i++) {
    for (const v of variants) {
      const opts = { user: USER, warmup: WARM_WARMUP, n: WARM_N, steadyWarmup };
      const { report } = await measure<WarmReport>(
        node.path,
        [DRIVER, "warm", v.file, JSON.stringify(opts)],
        envOf(v.flow),
      );
      if (!report) throw new Error("warm run reported nothing");
      const p = per.get(v);
      p?.r.push(report.returning.cpuUs / 1000 / report.n);
      p?.rw.push(report.returning.ms / report.n);
      p?.first.push(report.first.cpuUs / 1000 / report.n);
      p?.fw.push(report.first.ms / report.n);
      if (report.steady) p?.steady.push(report.steady.cpuUs / 1000 / report.n);
    }
  }
  const fig = (xs: readonly number[]) =>
    xs.length > 1
      ? `${median(xs).toFixed(2)} [${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}]`
      : median(xs).toFixed(2);
  for (const v of variants) {
    const p = per.get(v) ?? { r: [], first: [], rw: [], fw: [], steady: [] };
    const budget = (ms: number) =>
      v.floor
        ? `no budget (the same ${REQUESTS[v.flow]} requests, nothing else)`
        : `budget <= ${BUDGET.warmReturningMs} ms ${verdict(ms <= BUDGET.warmReturningMs)}`;
    console.log(
      `  ${pad(v.label, 20)} returning ${fig(p.r)} ms CPU (${median(p.rw).toFixed(2)} ms wall)  ${budget(median(p.r))}   first-time ${fig(p.first)} ms CPU (${median(p.fw).toFixed(2)} ms wall)  no budget`,
    );
    if (p.steady.length > 0) {
      console.log(
        `  ${pad("", 20)} returning after ${steadyWarmup.toLocaleString("en")} more logins ${fig(p.steady)} ms CPU  ${budget(median(p.steady))}`,
      );
    }
  }
}

/** This process's CPU affinity (`taskset -p` prints a hex mask), to pin the stubs and restore. */
function affinity(mask?: string): string | undefined {
  const args = mask === undefined ? ["-a", "-p", String(process.pid)] : ["-a", "-p", mask];
  if (mask !== undefined) args.push(String(process.pid));
  const r = spawnSync("taskset", args, { encoding: "utf8" });
  if (r.status !== 0) return undefined;
  return /mask: ([0-9a-f]+)\s*$/.exec(r.stdout.trim().split("\n")[0] ?? "")?.[1];
}

async function throughput(node: NodeBin, variants: readonly Variant[], envOf: EnvOf) {
  const taskset = spawnSync("taskset", ["-c", "0", "true"]).status === 0;
  const twoCores = cpus().length >= 2;
  const original = taskset && twoCores ? affinity() : undefined;
  console.log(
    `\n== 3. Logins/s, one function process, concurrency ${CONCURRENCY}, returning logins for ${THROUGHPUT_SECONDS} s (${node.label}; ${taskset ? "function pinned to CPU 0" : "taskset missing: NOT pinned"}${original ? ", stubs pinned to CPU 1" : ""})`,
  );
  if (original) affinity("2");
  try {
    for (const v of variants) {
      const opts = {
        user: USER,
        warmup: 100,
        seconds: THROUGHPUT_SECONDS,
        concurrency: CONCURRENCY,
      };
      const stubCpu0 = process.cpuUsage();
      const { report } = await measure<{ n: number; errors: number; cpuUs: number; ms: number }>(
        node.path,
        [DRIVER, "throughput", v.file, JSON.stringify(opts)],
        envOf(v.flow),
        taskset ? { cpus: "0" } : {},
      );
      if (!report) throw new Error("throughput run reported nothing");
      const stubCpu = process.cpuUsage(stubCpu0);
      const perSecond = report.n / (report.ms / 1000);
      const busy = report.cpuUs / 1000 / report.ms;
      const cpuPerLogin = report.cpuUs / 1000 / report.n;
      // A shared machine gives the pinned core to others too: 1 s / CPU-per-login is what the
      // core would serve if it were the function's alone.
      console.log(
        `  ${pad(v.label, 20)} ${perSecond.toFixed(0).padStart(5)} logins/s measured (function got ${(busy * 100).toFixed(0)} % of its core); ${cpuPerLogin.toFixed(2)} ms CPU/login = ${(1000 / cpuPerLogin).toFixed(0)} logins/s per whole core; stubs ${f1((stubCpu.user + stubCpu.system) / 1000 / report.n)} ms CPU/login${report.errors ? `; ${report.errors} FAILED logins (503: the function's timeouts under overload)` : ""}   no budget`,
      );
    }
  } finally {
    if (original) affinity(original);
  }
}

const COLD_DELAYED_RUNS = 5;

async function latency(node: NodeBin, variants: readonly Variant[], up: Upstreams, envOf: EnvOf) {
  const d = DELAYS;
  console.log(
    `\n== 4. Latency with injected upstream delays (${node.label}; WeChat ${d.wechat}, Cognito ${d.cognito}, DynamoDB ${d.dynamodb}, STS ${d.sts}, Secrets Manager ${d.secrets} ms): warm process, median of ${LATENCY_N}; cold = whole fresh process until it has answered one returning login, median of ${COLD_DELAYED_RUNS}`,
  );
  up.delays = { ...DELAYS };
  try {
    for (const v of variants) {
      const { report } = await measure<{ first: number[]; returning: number[] }>(
        node.path,
        [DRIVER, "latency", v.file, JSON.stringify({ user: USER, n: LATENCY_N })],
        envOf(v.flow),
      );
      if (!report) throw new Error("latency run reported nothing");
      const coldWall: number[] = [];
      for (let i = 0; i < COLD_DELAYED_RUNS; i++) {
        const args = [DRIVER, "cold", v.file, JSON.stringify({ user: USER })];
        coldWall.push((await measure(node.path, args, envOf(v.flow))).wallMs);
      }
      const ideal = IDEAL[v.flow];
      console.log(
        `  ${pad(v.label, 20)} returning ${f1(median(report.returning))} ms (ideal ${ideal.returning})   first-time ${f1(median(report.first))} ms (ideal ${ideal.first})   cold ${f1(median(coldWall))} ms (ideal ${d.secrets + ideal.returning} + init)`,
      );
    }
  } finally {
    up.delays = { ...NO_DELAYS };
  }
}

function write(dir: string, label: string, flow: LoginFlow, bundle: LoginBundle): Variant {
  const folder = path.join(dir, label.replace(/\W+/g, "_"));
  mkdirSync(folder, { recursive: true });
  const file = path.join(folder, bundle.fileName);
  writeFileSync(file, bundle.code);
  return { label, flow, file, bundle };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(path.join(tmpdir(), "login-bench-"));
  const tls = args.tls ? selfSignedCertificate(dir) : undefined;
  const up = await new Upstreams().start(tls);
  // The function's child trusts the stubs' certificate.
  const extra: Record<string, string> = tls ? { NODE_EXTRA_CA_CERTS: tls.certFile } : {};
  const envOf: EnvOf = (flow) => functionEnv(flow, up.url, extra);
  let baselineDir: string | undefined;
  try {
    const variants: Variant[] = [];
    const base = args.baseline ? await buildBaseline(args.baseline, LOGIN_FLOWS) : undefined;
    baselineDir = base?.dir;
    for (const flow of LOGIN_FLOWS) {
      variants.push(write(dir, flow, flow, await buildLoginBundle(flow)));
      if (base) variants.push(write(dir, `${flow} @${base.commit}`, flow, base.bundles[flow]));
    }
    const head = spawnSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" });
    const dirty = spawnSync("git", ["status", "--porcelain", "--", "functions", "infra", "core"], {
      encoding: "utf8",
    }).stdout.trim();
    console.log(
      `Login bench: this checkout ${head.stdout.trim()}${dirty ? " + uncommitted changes" : ""}${base ? `, baseline ${args.baseline} = ${base.commit}` : ""}; ${cpus().length} x ${cpus()[0]?.model ?? "cpu"}; load ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}`,
    );
    const n22 = node22();
    const machine: NodeBin = {
      label: `node ${process.version} (this machine)`,
      path: process.execPath,
    };
    const nodes: NodeBin[] = [];
    if ("error" in n22) {
      console.log(`Node 22 unavailable (${n22.error}): every figure below is on ${machine.label}`);
    } else {
      nodes.push({ label: `node ${n22.version} (${n22.source})`, path: n22.path });
    }
    if ("error" in n22 || n22.path !== process.execPath) nodes.push(machine);
    const primary = nodes[0] ?? machine;
    const run = (n: number) => !args.only || args.only.has(n);
    if (run(1)) {
      console.log(
        `\n== 1. Init + first login (returning user) in a fresh process vs bare \`node -e 0\`: clean env (env -i, the function's variables), stubs on loopback over ${tls ? "HTTPS (RSA 2048, trusted via NODE_EXTRA_CA_CERTS)" : "plain HTTP (--tls: HTTPS)"}; medians of ${args.pairs} A/B pairs; CPU = user+sys of the whole child`,
      );
      for (const node of nodes) await cold(node, [...variants, ...FLOORS], args.pairs, envOf);
    }
    if (run(2)) await warm(primary, [...variants, ...FLOORS], envOf, args.warmRuns, args.steady);
    if (run(3)) await throughput(primary, variants, envOf);
    if (run(4)) await latency(primary, variants, up, envOf);
    if (run(5)) sizes(variants);
    if (args.instructions) {
      const timed = [...variants, ...FLOORS].map((v) => ({ ...v, env: envOf(v.flow) }));
      const opts = { user: USER, runs: args.instructions, budget: BUDGET.coldRatio };
      await instructionSection(primary, envOf("enhanced"), timed, opts);
    }
    if (args.warmInstructions) {
      const timed = [...variants, ...FLOORS].map((v) => ({ ...v, env: envOf(v.flow) }));
      const opts = { user: USER, runs: args.warmInstructions, warmup: WARM_WARMUP, n: WARM_N };
      await warmInstructionSection(primary, timed, opts);
    }
  } finally {
    await up.close();
    rmSync(dir, { recursive: true, force: true });
    if (baselineDir) rmSync(baselineDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
