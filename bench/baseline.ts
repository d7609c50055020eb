/**
 * The login bundles as another commit builds them, for side-by-side figures
 * (`npm run bench -- --baseline <git-ref>`). The commit's tree is unpacked with `git archive`
 * into a temp folder (the repository and its worktrees are not touched) and built by that
 * commit's own bundler, against THIS checkout's node_modules (symlinked): a baseline whose
 * dependencies differ from today's is built with today's versions.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { LoginFlow } from "../core/vocabulary";
import type { LoginBundle } from "../infra/bundle";

const ROOT = path.join(__dirname, "..");
/** Where the bundler lived over the project's history (newest first). */
const BUNDLER_PATHS = ["infra/bundle.ts", "functions/build.ts"];

function git(args: string[]): Buffer {
  const r = spawnSync("git", args, { cwd: ROOT, maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) {
    throw new Error(`git ${args.join(" ")}: ${r.stderr.toString().trim() || `exit ${r.status}`}`);
  }
  return r.stdout;
}

export interface Baseline {
  readonly ref: string;
  readonly commit: string;
  readonly dir: string;
  readonly bundles: Record<LoginFlow, LoginBundle>;
}

export async function buildBaseline(ref: string, flows: readonly LoginFlow[]): Promise<Baseline> {
  const commit = git(["rev-parse", "--short", `${ref}^{commit}`])
    .toString()
    .trim();
  const dir = mkdtempSync(path.join(tmpdir(), `login-bench-${commit}-`));
  const tar = git(["archive", "--format=tar", commit]);
  const untar = spawnSync("tar", ["-x", "-C", dir], { input: tar });
  if (untar.status !== 0) throw new Error(`tar: ${untar.stderr.toString().trim()}`);
  symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  const bundler = BUNDLER_PATHS.map((p) => path.join(dir, p)).find((p) => existsSync(p));
  if (!bundler) throw new Error(`${commit} has none of ${BUNDLER_PATHS.join(", ")}`);
  // tsx (which runs the bench) compiles the commit's TypeScript bundler on import.
  const mod = (await import(bundler)) as { buildLoginBundle?: unknown };
  const build = mod.buildLoginBundle;
  if (typeof build !== "function") throw new Error(`${bundler} exports no buildLoginBundle`);
  const bundles = {} as Record<LoginFlow, LoginBundle>;
  for (const flow of flows) bundles[flow] = (await build(flow)) as LoginBundle;
  return { ref, commit, dir, bundles };
}
