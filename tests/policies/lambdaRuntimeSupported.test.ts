import { deprecatedRuntimeReason } from "../../policies/rules/lambdaRuntime";
import { runPolicies } from "../../policies/rules/run";
import { both, mutate, expectViolation } from "./fixtures";

describe("lambda-runtime-supported", () => {
  it.each(both)("rejects nodejs20.x (%s)", (partition) => {
    const v = runPolicies(mutate(partition, "login", (p) => ({ ...p, runtime: "nodejs20.x" })));
    expectViolation(
      v,
      "lambda-runtime-supported",
      "Lambda function 'login' uses runtime nodejs20.x",
    );
  });

  it("knows which runtimes are deprecated", () => {
    for (const r of ["nodejs18.x", "nodejs16.x", "nodejs4.3", "python3.9", "python2.7", "go1.x"]) {
      expect(deprecatedRuntimeReason(r)).toBeDefined();
    }
    for (const r of ["nodejs22.x", "nodejs24.x", "python3.13", "provided.al2023"]) {
      expect(deprecatedRuntimeReason(r)).toBeUndefined();
    }
  });
});
