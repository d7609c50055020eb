/**
 * Every package the source imports is declared, and what runs after `npm ci --omit=dev` is a
 * runtime dependency: the Pulumi program (`pulumi up` runs it through tsx), the policy pack, the
 * login function's bundles, the client kit and the tools a deployer runs against a stack.
 */
import { builtinModules } from "node:module";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";

const ROOT = path.join(__dirname, "..");
const SOURCE_DIRS = ["bench", "client", "core", "functions", "infra", "policies", "scripts"];
const SKIP_DIRS = new Set(["node_modules", "dist", "plan"]);

/** Entry points of what runs in production or for a deployer, followed through local imports. */
const RUNTIME_ENTRIES = [
  "infra/index.ts",
  "policies/index.ts",
  "functions/login/enhanced.ts",
  "functions/login/basic.ts",
  "client/index.ts",
  "client/miniprogram.ts",
  "scripts/appConfig.ts",
  "scripts/smoke.ts",
];

const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

interface Import {
  specifier: string;
  typeOnly: boolean;
}

/** Import specifiers of a module: static, re-exports, side-effect, dynamic and require. */
export function importsOf(text: string): Import[] {
  const found: Import[] = [];
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const fromRe = /(?:^|[\n;])\s*(import|export)\s+(type\s+)?(?:[^;'"]*?)\sfrom\s*["']([^"']+)["']/g;
  for (const m of code.matchAll(fromRe)) {
    found.push({ specifier: m[3] as string, typeOnly: m[2] !== undefined });
  }
  for (const m of code.matchAll(/(?:^|[\n;])\s*import\s*["']([^"']+)["']/g)) {
    found.push({ specifier: m[1] as string, typeOnly: false });
  }
  for (const m of code.matchAll(/\b(?:import|require)\s*\(\s*["']([^"']+)["']\s*\)/g)) {
    found.push({ specifier: m[1] as string, typeOnly: false });
  }
  return found;
}

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`; undefined for local and builtins. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("/")) return undefined;
  if (specifier.startsWith("node:") || builtinModules.includes(specifier)) return undefined;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] as string);
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name)) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|mts|cts|js|mjs|cjs)$/.test(name) && !/\.test\.[a-z]+$/.test(name)) {
      out.push(full);
    }
  }
  return out;
}

function resolveLocal(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, `${base}.js`, path.join(base, "index.ts")]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** Packages imported for their values (not types only) by the entries and their local imports. */
function runtimePackages(entries: string[]): Map<string, string> {
  const used = new Map<string, string>();
  const seen = new Set<string>();
  const queue = entries.map((e) => path.join(ROOT, e));
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const { specifier, typeOnly } of importsOf(readFileSync(file, "utf8"))) {
      if (typeOnly) continue;
      if (specifier.startsWith(".")) {
        const local = resolveLocal(file, specifier);
        if (local === undefined) throw new Error(`${file}: cannot resolve '${specifier}'`);
        queue.push(local);
        continue;
      }
      const name = packageOf(specifier);
      if (name !== undefined && !used.has(name)) used.set(name, path.relative(ROOT, file));
    }
  }
  return used;
}

describe("packaging", () => {
  it("reads import specifiers of every form", () => {
    const text = [
      'import { a } from "pkg-a";',
      'import type { B } from "@scope/pkg-b/sub";',
      "import {\n  c,\n  type D,\n} from 'pkg-c';",
      'export { e } from "./local";',
      'import "pkg-side";',
      'const f = require("pkg-f");',
      'await import("pkg-g");',
      '// import { x } from "commented-out";',
    ].join("\n");
    expect(importsOf(text)).toEqual([
      { specifier: "pkg-a", typeOnly: false },
      { specifier: "@scope/pkg-b/sub", typeOnly: true },
      { specifier: "pkg-c", typeOnly: false },
      { specifier: "./local", typeOnly: false },
      { specifier: "pkg-side", typeOnly: false },
      { specifier: "pkg-f", typeOnly: false },
      { specifier: "pkg-g", typeOnly: false },
    ]);
  });

  it("declares every package the non-test source imports", () => {
    const declared = new Set([
      ...Object.keys(pkg.dependencies),
      ...Object.keys(pkg.devDependencies),
    ]);
    const undeclared: string[] = [];
    for (const dir of SOURCE_DIRS) {
      for (const file of sourceFiles(path.join(ROOT, dir))) {
        for (const { specifier } of importsOf(readFileSync(file, "utf8"))) {
          const name = packageOf(specifier);
          if (name !== undefined && !declared.has(name)) {
            undeclared.push(`${path.relative(ROOT, file)}: ${name}`);
          }
        }
      }
    }
    expect(undeclared).toEqual([]);
  });

  it("has what the program, the pack, the bundles, the kit and the tools run in dependencies", () => {
    const used = runtimePackages(RUNTIME_ENTRIES);
    expect(used.size).toBeGreaterThanOrEqual(8);
    const devOnly = [...used].filter(([name]) => !(name in pkg.dependencies));
    expect(devOnly.map(([name, file]) => `${file}: ${name}`)).toEqual([]);
  });

  it("has the loader Pulumi runs the program with in dependencies", () => {
    const project = parseYaml(readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
      runtime: { options?: { nodeargs?: string } };
    };
    const loader = /--import\s+(\S+)/.exec(project.runtime.options?.nodeargs ?? "")?.[1];
    expect(loader).toBe("tsx");
    expect(pkg.dependencies).toHaveProperty(loader as string);
  });
});
