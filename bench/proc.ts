/**
 * Runs one whole child process and measures it from the outside: CPU is the child's user+sys
 * from the kernel (bash's `times`, i.e. getrusage(RUSAGE_CHILDREN): every thread, start-up and
 * exit included), wall is bash's $EPOCHREALTIME around it. The child runs under `env -i` with
 * exactly the given variables, optionally pinned with `taskset`. Asynchronous on purpose: the
 * stubs the child talks to live in this process's event loop.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";

export const DRIVER = path.join(__dirname, "driver.cjs");

export interface Measured<R> {
  /** user + sys of the child, ms. */
  readonly cpuMs: number;
  readonly wallMs: number;
  /** What the driver wrote to fd 3 (undefined for `node -e 0`). */
  readonly report: R | undefined;
}

// Line 2 of `times`: the children's user and system time, e.g. "0m0.035s 0m0.012s".
const SCRIPT = [
  's=$EPOCHREALTIME; "$@" >/dev/null; rc=$?; e=$EPOCHREALTIME',
  'times; echo "wall $s $e $rc"',
].join("\n");

const seconds = (t: string): number => {
  const m = /^(\d+)m([\d.]+)s$/.exec(t);
  if (!m) throw new Error(`unreadable times output: ${t}`);
  return Number(m[1]) * 60 + Number(m[2]);
};

export interface RunOptions {
  /** `taskset -c <cpus>` for the child. */
  readonly cpus?: string;
  readonly timeoutMs?: number;
}

export function measure<R = unknown>(
  node: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  opts: RunOptions = {},
): Promise<Measured<R>> {
  const vars = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const pin = opts.cpus === undefined ? [] : ["taskset", "-c", opts.cpus];
  const argv = ["-c", SCRIPT, "bash", ...pin, "env", "-i", ...vars, node, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn("bash", argv, { stdio: ["ignore", "pipe", "pipe", "pipe"], env: {} });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const fd3: Buffer[] = [];
    child.stdout?.on("data", (b: Buffer) => out.push(b));
    child.stderr?.on("data", (b: Buffer) => err.push(b));
    (child.stdio[3] as NodeJS.ReadableStream | null)?.on("data", (b: Buffer) => fd3.push(b));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 120_000);
    child.on("error", reject);
    child.on("close", () => {
      clearTimeout(timer);
      const text = Buffer.concat(out).toString();
      const lines = text.trim().split("\n");
      const wall = /^wall (\d+\.\d+) (\d+\.\d+) (\d+)$/.exec(lines.at(-1) ?? "");
      const reportText = Buffer.concat(fd3).toString();
      const report = reportText ? (JSON.parse(reportText) as R & { error?: string }) : undefined;
      if (!wall || wall[3] !== "0" || report?.error !== undefined) {
        const why = report?.error ?? Buffer.concat(err).toString().trim().slice(-800);
        reject(
          new Error(`child ${path.basename(args[0] ?? node)} ${args[1] ?? ""} failed: ${why}`),
        );
        return;
      }
      const [user, sys] = (lines.at(-2) ?? "").trim().split(/\s+/);
      resolve({
        // Whole microseconds: `times` prints milliseconds, and 0.105 * 1000 is not 105 in floating
        // point (a ratio of exactly 2.5 printed as over the budget).
        cpuMs: Math.round((seconds(user ?? "") + seconds(sys ?? "")) * 1e6) / 1000,
        wallMs: (Number(wall[2]) - Number(wall[1])) * 1000,
        report,
      });
    });
  });
}
