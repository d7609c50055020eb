import { runPolicies } from "../../policies/rules/run";
import { both, mutate, expectViolation } from "./fixtures";

describe("http-api-access-logs", () => {
  const policy = "http-api-access-logs";
  it.each(both)("rejects a stage without access logs (%s)", (partition) => {
    const v = runPolicies(
      mutate(partition, "login-stage", (p) => ({ ...p, accessLogSettings: undefined })),
    );
    expectViolation(
      v,
      policy,
      "API stage 'login-stage' has no accessLogSettings.destinationArn (an ARN) / format",
    );
  });

  it.each(both)("rejects access logs without a destination ARN (%s)", (partition) => {
    const v = runPolicies(
      mutate(partition, "login-stage", (p) => ({
        ...p,
        accessLogSettings: { destinationArn: "login-access", format: "$context.requestId" },
      })),
    );
    expectViolation(v, policy, "has no accessLogSettings.destinationArn (an ARN), so calls");
  });
});
