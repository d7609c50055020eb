// The test harness's shortcuts (docs/testing.md, "Keeping the suite fast") keep what the code
// under test sees: the lazily loaded modules behave as the real ones, stack traces read the same,
// and what test files share comes back as it was made.
import * as debuggableModule from "@pulumi/pulumi/runtime/debuggable";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import tsDefault, * as tsNamespace from "typescript";
import { synthesize } from "../scripts/synth";
import { occurring } from "./support/leaks";
import { filesFingerprint, preserve, revive, sharedPerWorker } from "./support/shared";

/** Pulumi's internal promise wrapper (absent from its type declarations). */
const debuggable = debuggableModule as unknown as {
  debuggablePromise(p: Promise<unknown>, ctx: string): Promise<unknown>;
  promiseDebugString(p: Promise<unknown>): string;
};

describe("lazily loaded modules", () => {
  it("typescript: a require, a namespace and a default import are the real compiler", () => {
    // `typescript` is the TypeScript 6 API package, a wrapper of the compiler (docs/testing.md,
    // "tsc is TypeScript 7"): its own patch version can differ from the compiler's.
    const manifest = readFileSync(require.resolve("typescript/package.json"), "utf8");
    const { version } = JSON.parse(manifest) as { version: string };
    const major = `${version.split(".")[0]}.`;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- how Pulumi loads it
    const required = require("typescript") as typeof tsNamespace;
    for (const ts of [required, tsNamespace, tsDefault]) {
      expect(ts.version.startsWith(major)).toBe(true);
      expect(ts.version).toBe(required.version);
      expect(ts.transpileModule("export const x: number = 1;", {}).outputText).toContain("x = 1");
    }
    expect(Object.keys(required)).toEqual(
      expect.arrayContaining(["createSourceFile", "SyntaxKind"]),
    );
  });

  it("@npmcli/arborist: the module is the Arborist class, with its named exports", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the package has no types
    const Arborist = require("@npmcli/arborist") as {
      new (opts: { path: string }): { path: string };
      Arborist: unknown;
      Node: unknown;
    };
    const arb = new Arborist({ path: __dirname });
    expect(arb.path).toBe(__dirname);
    expect(arb).toBeInstanceOf(Arborist.Arborist as new () => object);
    expect(typeof Arborist.Node).toBe("function");
    expect(Object.keys(Arborist)).toEqual(expect.arrayContaining(["Arborist", "Node", "Edge"]));
  });
});

describe("jest's runtime (tests/support/runtime.js)", () => {
  it("hands code caches to vm.compileFunction only while it compiles a module", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- Node's own module
    const vm = require("node:vm") as typeof import("node:vm");
    expect(vm.compileFunction.name).toBe("compileFunction");
    expect(vm.compileFunction("return a + 1", ["a"])(1)).toBe(2);
  });
});

describe("stack traces", () => {
  it("Pulumi's promise traces read as a trace naming where the promise was made", () => {
    const made = Promise.resolve(1);
    void debuggable.debuggablePromise(made, "test promise");
    const text = debuggable.promiseDebugString(made);
    expect(text).toContain("CONTEXT");
    expect(text).toMatch(
      /STACK_TRACE:\nError\n {4}at (Object\.)?debuggablePromise \(.*debuggable\.js:\d+:\d+\)/,
    );
    expect(text).toContain("harness.test.ts");
  });

  it("Pulumi's promise wrapper is Pulumi's module, its traces cut short (tests/support/debuggable.ts)", () => {
    const dir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the real module, by path
    const real = require(path.join(dir, "runtime", "debuggable.js")) as typeof debuggable & {
      leakedPromises: unknown;
    };
    expect(debuggable.promiseDebugString).toBe(real.promiseDebugString);
    expect((debuggable as typeof real).leakedPromises).toBe(real.leakedPromises);
    const made = Promise.resolve(1);
    void debuggable.debuggablePromise(made, "test promise");
    const trace = debuggable.promiseDebugString(made).split("STACK_TRACE:\n")[1] ?? "";
    // Pulumi prints full traces of leaked promises with PULUMI_DEBUG_PROMISE_LEAKS: kept whole.
    const full = Boolean(process.env.PULUMI_DEBUG_PROMISE_LEAKS);
    expect(debuggable.debuggablePromise === real.debuggablePromise).toBe(full);
    const frames = trace.split("\n    at ").length - 1;
    // Pulumi's function, the wrapper, this test; whole, a trace runs on into jest's frames.
    expect(full ? frames > 3 : frames === 3).toBe(true);
    expect(Error.stackTraceLimit).toBe(100);
  });

  it("other errors keep jest's source-mapped positions (the .ts line, not the compiled one)", () => {
    const error = new Error("here");
    const source = readFileSync(__filename, "utf8").split("\n");
    const line = source.findIndex((l) => l.includes('new Error("here")')) + 1;
    expect(error.stack).toContain(`harness.test.ts:${line}:`);
  });
});

describe("values shared between a worker's test files", () => {
  it("a committed stack's synthesis comes back exactly as synthesized (undefined kept)", async () => {
    for (const stack of ["dev", "cn-north-1"]) {
      const synth = await synthesize(stack);
      expect(synth.resources.some((r) => r.parent === undefined)).toBe(true);
      expect(revive(preserve(synth))).toStrictEqual(synth);
    }
  });

  it("each caller gets its own copy", async () => {
    const first = await sharedPerWorker("harness-test", async () => ({ list: [1, undefined] }));
    first.list.push(3);
    const second = await sharedPerWorker("harness-test", async () => ({ list: [] as unknown[] }));
    expect(second).toStrictEqual({ list: [1, undefined] });
    expect(second).not.toBe(first);
  });

  it("a shared value's key changes when a file it depends on changes (jest --watch)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "fingerprint-"));
    const empty = filesFingerprint([dir]);
    writeFileSync(path.join(dir, "a.ts"), "export const a = 1;\n");
    const one = filesFingerprint([dir]);
    writeFileSync(path.join(dir, "a.ts"), "export const a = 12;\n");
    const changed = filesFingerprint([dir]);
    expect(new Set([empty, one, changed]).size).toBe(3);
    expect(filesFingerprint([dir])).toBe(changed);
  });
});

describe("esbuild under jest", () => {
  it("an in-memory build reads the same as the real esbuild's, every time", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the mapped module
    const mapped = require("esbuild") as typeof import("esbuild");
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the package, by path
    const real = require(path.dirname(require.resolve("esbuild/package.json"))) as typeof mapped;
    expect(mapped.build).not.toBe(real.build);
    const options: import("esbuild").BuildOptions = {
      entryPoints: [path.join(__dirname, "..", "functions", "account", "index.ts")],
      bundle: true,
      write: false,
      platform: "node",
      format: "cjs",
      logLevel: "silent",
    };
    const view = (r: Awaited<ReturnType<typeof real.build>>) => ({
      errors: r.errors,
      warnings: r.warnings,
      files: r.outputFiles?.map((f) => ({
        path: f.path,
        hash: f.hash,
        text: f.text,
        contents: f.contents,
      })),
    });
    const expected = view(await real.build(options));
    expect(view(await mapped.build(options))).toStrictEqual(expected);
    expect(view(await mapped.build(options))).toStrictEqual(expected);
  });
});

describe("the secret scan", () => {
  it("finds each needle in any text, once, and none that only spans two texts", () => {
    const texts = ["a token tok-1 here", "tail tok", "-2 head", "x\u0000y"];
    expect(occurring(texts, ["tok-2", "tok-1", "tok-1", "head", "absent"])).toEqual([
      "tok-1",
      "head",
    ]);
    // "tok" ends one text and "-2" starts the next: not in any one text.
    expect(occurring(texts, ["tok-2", "tail tok\u0000-2", "x\u0000y"])).toEqual(["x\u0000y"]);
    expect(occurring("one text", ["text", ""])).toEqual(["text", ""]);
    expect(occurring([], ["anything"])).toEqual([]);
  });
});
