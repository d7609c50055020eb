import { runPolicies } from "../../policies/rules/run";
import {
  ENVS,
  both,
  arnOf,
  mutate,
  ofPolicy,
  expectViolation,
  resourceOf,
  withExtra,
  type Stack,
} from "./fixtures";

describe("lambda-permission-source-arn", () => {
  const policy = "lambda-permission-source-arn";
  const withPermission = (partition: Stack, change: Record<string, unknown>) =>
    runPolicies(mutate(partition, "login-invoke", (p) => ({ ...p, ...change })));

  describe.each(both)("%s", (partition) => {
    const { region, account } = ENVS[partition];
    it.each([
      ["no sourceArn", undefined, "has no sourceArn"],
      [
        "a wildcard API id",
        arnOf(partition, "execute-api", "*/*/POST/login/wechat"),
        "without a concrete API id",
      ],
      [
        "a partial API id",
        arnOf(partition, "execute-api", "a1b2*/*/POST/login/wechat"),
        "without a concrete API id",
      ],
      [
        "a wildcard region",
        `arn:${partition}:execute-api:*:${account}:a1b2c3d4e5/*`,
        "with a wildcard region",
      ],
      [
        "a wildcard account",
        `arn:${partition}:execute-api:${region}:*:a1b2c3d4e5/*`,
        "with a wildcard account",
      ],
      [
        "an empty account",
        `arn:${partition}:execute-api:${region}::a1b2c3d4e5/*`,
        "without a concrete partition, region and account",
      ],
      [
        "another service's ARN",
        arnOf(partition, "apigateway", "/apis/a1b2c3d4e5", region),
        "that is not an execute-api ARN",
      ],
    ])("rejects %s", (_label, sourceArn, fragment) => {
      const v = withPermission(partition, { sourceArn });
      expectViolation(
        v,
        policy,
        `Lambda permission 'login-invoke' for apigateway.amazonaws.com ${sourceArn === undefined ? "" : `has sourceArn '${sourceArn}' `}${fragment}`,
      );
    });

    it("rejects principal '*'", () => {
      const v = withPermission(partition, { principal: "*", sourceArn: undefined });
      expectViolation(v, policy, "Lambda permission 'login-invoke' grants principal '*'");
    });

    it("accepts a stage wildcard after a concrete API id, and other service principals", () => {
      expect(
        withPermission(partition, {
          sourceArn: arnOf(partition, "execute-api", "a1b2c3d4e5/$default/POST/login/wechat"),
        }),
      ).toEqual([]);
      expect(
        ofPolicy(
          withPermission(partition, { principal: "events.amazonaws.com", sourceArn: undefined }),
          policy,
        ),
      ).toEqual([]);
    });
  });

  describe("function URLs", () => {
    const url = (authorizationType: string) =>
      resourceOf("aws", "aws:lambda/functionUrl:FunctionUrl", "login-url", {
        functionName: "login",
        authorizationType,
      });

    it("rejects a public (NONE) function URL: it bypasses the API", () => {
      const v = runPolicies(withExtra("aws", url("NONE")));
      expectViolation(
        v,
        policy,
        "Lambda function URL 'login-url' has authorizationType NONE, so anyone on the internet can invoke the function directly, bypassing the API's throttling, access logs and route authorization",
      );
      expectViolation(v, policy, "remove the function URL");
    });

    it("accepts an AWS_IAM function URL outside China", () => {
      expect(runPolicies(withExtra("aws", url("AWS_IAM")))).toEqual([]);
    });
  });
});
