/** Transform with swc (fast, no type-check); `tsc --noEmit` type-checks as its own step. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  setupFiles: ["<rootDir>/tests/setup-env.ts"],
  transform: {
    "^.+\\.tsx?$": ["@swc/jest", { jsc: { target: "es2022" }, module: { type: "commonjs" } }],
  },
  // Pulumi synthesis and the bundled-function integration test take a few seconds each.
  testTimeout: 60000,
  // Jest's default leaves one core idle on a 2-core machine (CI's size): use both.
  maxWorkers: 2,
};
