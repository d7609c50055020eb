import { runPolicies } from "../../policies/rules/run";
import {
  arnOf,
  both,
  ENVS,
  expectViolation,
  mutate,
  ofPolicy,
  policyOf,
  resourceOf,
  withExtra,
  withAuthStatement,
} from "./fixtures";

describe("cognito-roles-no-identity-admin", () => {
  const policy = "cognito-roles-no-identity-admin";
  const granting = withAuthStatement;

  describe.each(both)("%s", (partition) => {
    const pool = arnOf(partition, "cognito-identity", `identitypool/${ENVS[partition].poolId}`);

    it("passes the happy stack (the login function may mint: it is not a Cognito role)", () => {
      expect(ofPolicy(runPolicies(mutate(partition, "x", (p) => p)), policy)).toEqual([]);
    });

    it.each([
      "cognito-identity:GetOpenIdTokenForDeveloperIdentity",
      "cognito-identity:LookupDeveloperIdentity",
      "cognito-identity:*",
      "cognito-identity:*Developer*",
    ])("rejects %s on a Cognito role", (action) => {
      const v = granting(partition, { Effect: "Allow", Action: action, Resource: pool });
      expectViolation(v, policy, "any app user could mint or look up another user's identity");
    });

    it("rejects the stack's mapping table, its indexes, and a table wildcard", () => {
      for (const resource of [
        arnOf(partition, "dynamodb", "table/wechat-identities"),
        arnOf(partition, "dynamodb", "table/wechat-identities/index/byIdentityId"),
        arnOf(partition, "dynamodb", "table/wechat-*"),
      ]) {
        const v = granting(partition, {
          Effect: "Allow",
          Action: "dynamodb:Query",
          Resource: resource,
        });
        expectViolation(v, policy, "DynamoDB access to the stack's table 'wechat-identities'");
      }
    });

    it("rejects the stack's log groups, their streams, and a log-group wildcard", () => {
      for (const resource of [
        arnOf(partition, "logs", "log-group:/aws/lambda/login"),
        `${arnOf(partition, "logs", "log-group:/aws/lambda/login")}:*`,
        arnOf(partition, "logs", "log-group:/aws/lambda/*"),
      ]) {
        const v = granting(partition, {
          Effect: "Allow",
          Action: "logs:FilterLogEvents",
          Resource: resource,
        });
        expectViolation(
          v,
          policy,
          "CloudWatch Logs access to the stack's log group '/aws/lambda/login'",
        );
      }
    });

    it("accepts the app's own log group", () => {
      const v = granting(partition, {
        Effect: "Allow",
        Action: "logs:PutLogEvents",
        Resource: `${arnOf(partition, "logs", "log-group:/app/client-events")}:*`,
      });
      expect(ofPolicy(v, policy)).toEqual([]);
    });

    it("accepts the app's own table", () => {
      const v = granting(partition, {
        Effect: "Allow",
        Action: "dynamodb:GetItem",
        Resource: arnOf(partition, "dynamodb", "table/app-notes"),
      });
      expect(ofPolicy(v, policy)).toEqual([]);
    });

    it("rejects the stack's secret, by name pattern, through an attached policy", () => {
      const secret = resourceOf(partition, "aws:secretsmanager/secret:Secret", "wechat-secret", {
        name: "cognito-devauth/wechat-app-secret",
      });
      const extra = resourceOf(partition, "aws:iam/policy:Policy", "app-extra", {
        arn: arnOf(partition, "iam", "policy/app-extra", ""),
        policy: policyOf([
          {
            Effect: "Allow",
            Action: "secretsmanager:GetSecretValue",
            Resource: arnOf(
              partition,
              "secretsmanager",
              "secret:cognito-devauth/wechat-app-secret-??????",
            ),
          },
        ]),
      });
      const attach = resourceOf(
        partition,
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "app-extra-attach",
        { role: "guest-role", policyArn: arnOf(partition, "iam", "policy/app-extra", "") },
      );
      const v = runPolicies(withExtra(partition, secret, extra, attach));
      expectViolation(
        v,
        policy,
        "Secrets Manager access to the stack's secret 'cognito-devauth/wechat-app-secret'",
      );
    });
  });
});
