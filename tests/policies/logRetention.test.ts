import { runPolicies } from "../../policies/rules/run";
import {
  both,
  edit,
  expectViolation,
  mutate,
  ofPolicy,
  proxyModule,
  resourceOf,
  withExtra,
} from "./fixtures";

describe("log-retention", () => {
  it.each(both)("rejects a log group without retention (%s)", (partition) => {
    const v = runPolicies(
      mutate(partition, "login-logs", (p) => ({ ...p, retentionInDays: undefined })),
    );
    expectViolation(v, "log-retention", "Log group 'login-logs' has retentionInDays unset");
  });

  it("rejects retention 0 (never expire)", () => {
    const v = runPolicies(mutate("aws", "login-logs", (p) => ({ ...p, retentionInDays: 0 })));
    expectViolation(v, "log-retention", "retentionInDays = 0");
    expect(ofPolicy(v, "log-retention")[0]?.resourceUrn).toContain("::login-logs");
  });

  describe("every function writes to a log group of this stack", () => {
    const policy = "log-retention";

    it.each(both)(
      "rejects a function whose /aws/lambda/<name> group is not in the stack (%s)",
      (partition) => {
        const v = runPolicies(mutate(partition, "login", (p) => ({ ...p, name: "login-v2" })));
        expectViolation(
          v,
          policy,
          "Lambda function 'login' writes its logs to log group '/aws/lambda/login-v2' (Lambda's default /aws/lambda/<function name>), which is not a log group of this stack",
        );
        expectViolation(
          v,
          policy,
          "create an aws.cloudwatch.LogGroup named '/aws/lambda/login-v2'",
        );
      },
    );

    it.each(both)("rejects a loggingConfig.logGroup that is not in the stack (%s)", (partition) => {
      const v = runPolicies(
        mutate(partition, "login", (p) => ({
          ...p,
          loggingConfig: { logFormat: "JSON", logGroup: "/shared/app" },
        })),
      );
      expectViolation(v, policy, "log group '/shared/app' (its loggingConfig.logGroup)");
    });

    it("accepts a loggingConfig.logGroup that names a group of this stack", () => {
      const shared = resourceOf("aws", "aws:cloudwatch/logGroup:LogGroup", "shared-logs", {
        name: "/shared/app",
        retentionInDays: 14,
      });
      const resources = edit(withExtra("aws", shared), "login", (p) => ({
        ...p,
        loggingConfig: { logFormat: "JSON", logGroup: "/shared/app" },
      }));
      expect(runPolicies(resources)).toEqual([]);
    });

    it("skips names unknown during preview", () => {
      const unknown = proxyModule.unknownStringValue;
      expect(runPolicies(mutate("aws", "login", (p) => ({ ...p, name: unknown })))).toEqual([]);
      expect(
        ofPolicy(
          runPolicies(mutate("aws", "login-logs", (p) => ({ ...p, name: unknown }))),
          policy,
        ),
      ).toEqual([]);
    });
  });
});
