/**
 * Section 6 (opt-in: `--instructions [runs]`): the cold start of section 1 counted in
 * instructions under valgrind's callgrind: bare `node -e 0`, the driver's `cold` mode per bundle
 * and the floor, each child to completion, user-space instructions of all its threads.
 *
 * Unlike CPU time the count barely moves with the machine's load (±0.3 % run to run against
 * ±10 % for one CPU pair), so a lever worth a few hundred microseconds shows in three runs. It
 * leaves out what the kernel does for the process (page faults, system calls), which CPU time
 * counts: a lever must still show in section 1. V8 draws its string hash seed at random at
 * start-up and its prime search for it costs 5 to 17 M instructions, differently each run; that
 * function (HashSeed::InitializeRoots, from callgrind_annotate) is subtracted.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { DRIVER, measure } from "./proc";

/** Whether valgrind and callgrind_annotate are installed (`apt-get install valgrind`). */
export function callgrindAvailable(): boolean {
  // callgrind_annotate --version prints its version and exits 255: found is enough.
  return ["valgrind", "callgrind_annotate"].every(
    (tool) => spawnSync(tool, ["--version"], { stdio: "ignore" }).error === undefined,
  );
}

/** Instructions (millions) of one child run under callgrind, the hash seed search subtracted. */
export function instructions(
  node: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), "login-bench-cg-"));
  const out = path.join(dir, "callgrind.out");
  // Self-modifying code (V8's JIT) must be seen by valgrind: --smc-check.
  const vg = [`--tool=callgrind`, `--callgrind-out-file=${out}`, "--smc-check=all-non-file"];
  return new Promise<number>((resolve, reject) => {
    const child = spawn("valgrind", [...vg, node, ...args], {
      stdio: ["ignore", "ignore", "pipe", "pipe"],
      env: { ...env },
    });
    const err: Buffer[] = [];
    const fd3: Buffer[] = [];
    child.stderr?.on("data", (b: Buffer) => err.push(b));
    (child.stdio[3] as NodeJS.ReadableStream | null)?.on("data", (b: Buffer) => fd3.push(b));
    const timer = setTimeout(() => child.kill("SIGKILL"), 180_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      try {
        const stderr = Buffer.concat(err).toString();
        const report = Buffer.concat(fd3).toString();
        const total = /Collected : (\d+)/.exec(stderr)?.[1];
        if (code !== 0 || total === undefined || report.includes('"error"')) {
          throw new Error(`callgrind run failed (${code}): ${report || stderr.slice(-400)}`);
        }
        const annotated = spawnSync(
          "callgrind_annotate",
          ["--inclusive=yes", "--threshold=100", out],
          {
            encoding: "utf8",
            maxBuffer: 64 * 1024 * 1024,
          },
        ).stdout;
        const seed = /^\s*([\d,]+) .*HashSeed::InitializeRoots/m.exec(annotated)?.[1];
        resolve((Number(total) - Number((seed ?? "0").replace(/,/g, ""))) / 1e6);
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

/** A bundle (or the floor) as section 1 runs it: the driver's cold mode in the function's env. */
export interface CountedBundle {
  readonly label: string;
  readonly file: string;
  readonly env: Readonly<Record<string, string>>;
  /** The floor: printed without the budget note. */
  readonly floor?: true;
}

interface CountedRun {
  readonly label: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly reference: boolean;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
};

/**
 * Section 6: median instructions of `runs` runs per child (interleaved), and the ratio to the
 * first child (bare node). Each child runs once uncounted first (page cache, the returning
 * user's mapping row in the stubs).
 */
export async function instructionSection(
  node: { label: string; path: string },
  bareEnv: Readonly<Record<string, string>>,
  bundles: readonly CountedBundle[],
  opts: { user: string; runs: number; budget: number },
): Promise<void> {
  const { runs, budget } = opts;
  const children: CountedRun[] = [
    { label: "bare node -e 0", args: ["-e", "0"], env: bareEnv, reference: true },
    ...bundles.map((b) => ({
      label: b.label,
      args: [DRIVER, "cold", b.file, JSON.stringify({ user: opts.user })],
      env: b.env,
      reference: b.floor === true,
    })),
  ];
  if (!callgrindAvailable()) {
    console.log("\n== 6. skipped: valgrind/callgrind_annotate missing (apt-get install valgrind)");
    return;
  }
  for (const c of children) await measure(node.path, c.args, c.env);
  console.log(
    `\n== 6. Init + first login counted in instructions (${node.label}; valgrind --tool=callgrind, user space, all threads, V8's random hash seed search subtracted; median of ${runs} interleaved run(s))`,
  );
  const counts = new Map<CountedRun, number[]>(children.map((c) => [c, []]));
  for (let i = 0; i < runs; i++) {
    for (const c of children) counts.get(c)?.push(await instructions(node.path, c.args, c.env));
  }
  const bare = median(counts.get(children[0] as CountedRun) ?? []);
  for (const c of children) {
    const xs = counts.get(c) ?? [];
    const ratio = median(xs) / bare;
    const range =
      xs.length > 1 ? ` [${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)}]` : "";
    const note = c.reference
      ? ""
      : `   (CPU budget ${budget}x: instructions are not CPU time, see section 1)`;
    console.log(
      `  ${c.label.padEnd(20)} ${median(xs).toFixed(1).padStart(7)} M${range} = ${ratio.toFixed(2)}x${note}`,
    );
  }
}

/**
 * Section 7 (opt-in: `--warm-instructions [runs]`): section 2's window (logins 101-300 of a
 * process: 50 warm-up pairs, then 200 returning logins) counted in instructions. Each count is a
 * driver `window` run with the 200 returning logins minus one without them, per login: what
 * those logins cost the process, V8's compiler and GC helper threads included. Run to run it
 * moves by ~±0.05 M (V8's tier-up timing); interleave several runs and compare bundles.
 */
export async function warmInstructionSection(
  node: { label: string; path: string },
  bundles: readonly CountedBundle[],
  opts: { user: string; runs: number; warmup: number; n: number },
): Promise<void> {
  if (!callgrindAvailable()) {
    console.log("\n== 7. skipped: valgrind/callgrind_annotate missing (apt-get install valgrind)");
    return;
  }
  const args = (b: CountedBundle, n: number) => [
    DRIVER,
    "window",
    b.file,
    JSON.stringify({ user: opts.user, warmup: opts.warmup, n }),
  ];
  for (const b of bundles) await measure(node.path, args(b, 1), b.env);
  console.log(
    `\n== 7. Warm returning login counted in instructions (${node.label}; callgrind; logins ${2 * opts.warmup + 1}-${2 * opts.warmup + opts.n} of a process: a run with them minus one without, per login, all threads; median of ${opts.runs} interleaved run(s))`,
  );
  const counts = new Map<CountedBundle, number[]>(bundles.map((b) => [b, []]));
  for (let i = 0; i < opts.runs; i++) {
    for (const b of bundles) {
      const withWindow = await instructions(node.path, args(b, opts.n), b.env);
      const without = await instructions(node.path, args(b, 0), b.env);
      counts.get(b)?.push((withWindow - without) / opts.n);
    }
  }
  for (const b of bundles) {
    const xs = counts.get(b) ?? [];
    const range =
      xs.length > 1 ? ` [${Math.min(...xs).toFixed(3)}-${Math.max(...xs).toFixed(3)}]` : "";
    console.log(
      `  ${b.label.padEnd(20)} ${median(xs).toFixed(3).padStart(7)} M per returning login${range}`,
    );
  }
}
