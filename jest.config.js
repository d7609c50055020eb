/** Transform with swc (fast, no type-check); `tsc --noEmit` type-checks as its own step. */

// Jest forks its workers with this process's Node options (jest-worker passes `execArgv` on).
// Synthesis allocates quickly and briefly (Pulumi's outputs, promises and protobuf messages), and
// with Node's default young generation (16 MB semi-spaces) its scavenges took a sixth of a
// worker's CPU; 64 MB semi-spaces cut a synthesizing file's CPU by about a tenth
// (docs/testing.md, "Keeping the suite fast"). A value given on the command line or in
// NODE_OPTIONS wins.
const process = require("node:process");
const SEMI_SPACE = "--max-semi-space-size";
const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
if (!given.some((arg) => arg.startsWith(SEMI_SPACE))) process.execArgv.push(`${SEMI_SPACE}=64`);

/** @type {import('jest').Config} */
module.exports = {
  // Jest's node environment plus a per-worker store test files may share results through
  // (tests/support/shared.ts: the committed stacks are synthesized once per worker).
  testEnvironment: "<rootDir>/tests/support/environment.ts",
  // Jest's runtime, with V8 code caches for the modules each file compiles again
  // (tests/support/runtime.js).
  runtime: "<rootDir>/tests/support/runtime.js",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  setupFiles: ["<rootDir>/tests/setup-env.ts"],
  // Jest evaluates every module afresh in each test file. @pulumi/pulumi requires these two at
  // start-up for closure serialization, which this project never uses: they load on first use
  // instead (tests/support/lazy; docs/testing.md, "Keeping the suite fast").
  moduleNameMapper: {
    "^typescript$": "<rootDir>/tests/support/lazy/typescript.ts",
    "^@npmcli/arborist$": "<rootDir>/tests/support/lazy/arborist.ts",
    // In-memory builds (the function bundles) run once per worker (tests/support/lazy/esbuild.ts).
    "^esbuild$": "<rootDir>/tests/support/lazy/esbuild.ts",
    // Pulumi's promise wrapper, with shorter traces on its ~4,000 promises a synthesis
    // (tests/support/debuggable.ts): the names the SDK and the tests require it by.
    "^(\\./|\\.\\./runtime/|@pulumi/pulumi/runtime/)debuggable$":
      "<rootDir>/tests/support/debuggable.ts",
  },
  transform: {
    "^.+\\.tsx?$": ["@swc/jest", { jsc: { target: "es2022" }, module: { type: "commonjs" } }],
  },
  // Pulumi synthesis and the bundled-function integration test take a few seconds each.
  testTimeout: 60000,
  // Jest's default leaves one core idle on a 2-core machine (CI's size): use both.
  maxWorkers: 2,
  // A safety net, far above today's peak (~640 MB for the whole run): with the code caches a
  // worker's heap grows ~10 MB per test file (docs/testing.md, "Keeping the suite fast"). A worker
  // over this after a file is replaced by a fresh one (it only loses its shared syntheses).
  workerIdleMemoryLimit: "2GB",
};
