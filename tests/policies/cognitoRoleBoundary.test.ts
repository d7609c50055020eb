import { runPolicies } from "../../policies/rules/run";
import { arnOf, both, expectViolation, mutate, ofPolicy, proxyModule } from "./fixtures";

describe("cognito-role-boundary", () => {
  const policy = "cognito-role-boundary";

  describe.each(both)("%s", (partition) => {
    it("passes roles bounded by a policy of the stack", () => {
      expect(ofPolicy(runPolicies(mutate(partition, "x", (p) => p)), policy)).toEqual([]);
    });

    it("rejects a Cognito role without a boundary", () => {
      const v = runPolicies(
        mutate(partition, "guest-role", ({ permissionsBoundary: _, ...rest }) => rest),
      );
      expectViolation(
        v,
        policy,
        "IAM role 'guest-role' is assumed by Cognito identities but has no permissions boundary",
      );
    });

    it("rejects a boundary from outside the stack", () => {
      const outside = arnOf(partition, "iam", "policy/someone-elses", "");
      const v = runPolicies(
        mutate(partition, "auth-role", (p) => ({ ...p, permissionsBoundary: outside })),
      );
      expectViolation(
        v,
        policy,
        `permissions boundary '${outside}' is not an aws.iam.Policy of this stack`,
      );
    });

    it("waits for an unknown boundary (preview)", () => {
      const v = runPolicies(
        mutate(partition, "auth-role", (p) => ({
          ...p,
          permissionsBoundary: proxyModule.unknownStringValue,
        })),
      );
      expect(ofPolicy(v, policy)).toEqual([]);
    });

    it("ignores roles Cognito does not assume", () => {
      expect(ofPolicy(runPolicies(mutate(partition, "login-fn-role", (p) => p)), policy)).toEqual(
        [],
      );
    });
  });
});
