import { runPolicies } from "../../policies/rules/run";
import {
  ENVS,
  arnOf,
  both,
  expectViolation,
  happyStack,
  mutate,
  ofPolicy,
  policyOf,
} from "./fixtures";

describe("lambda-secrets-of-stack", () => {
  const policy = "lambda-secrets-of-stack";
  /** The login function's role reading `resources` instead of the stack's two secrets. */
  const reading = (partition: (typeof both)[number], resources: string[]) =>
    runPolicies(
      mutate(partition, "login-fn-role", (props) => ({
        ...props,
        inlinePolicies: [
          {
            name: "secrets",
            policy: policyOf([
              {
                Effect: "Allow",
                Action: "secretsmanager:GetSecretValue",
                Resource: resources,
              },
            ]),
          },
        ],
      })),
    );

  it.each(both)("accepts the stack's secrets, by name and by ARN (%s)", (partition) => {
    expect(ofPolicy(runPolicies(happyStack(partition)), policy)).toEqual([]);
    const v = reading(partition, [
      arnOf(partition, "secretsmanager", "secret:login/wechat-app-secret-??????"),
      arnOf(partition, "secretsmanager", "secret:wechat-app-secret-AbCdEf"),
    ]);
    expect(ofPolicy(v, policy)).toEqual([]);
  });

  it.each(both)("rejects a secret that is not the stack's (%s)", (partition) => {
    const other = arnOf(partition, "secretsmanager", "secret:other-stack/wechat-app-secret-??????");
    expectViolation(
      reading(partition, [other]),
      policy,
      `IAM role 'login-fn-role' (a Lambda execution role) may use Secrets Manager in inline policy 'secrets' statement #1 on '${other}', which is not a secret of this stack`,
    );
  });

  it("rejects a wildcard, and the stack's secret name in another account", () => {
    const wildcard = arnOf("aws", "secretsmanager", "secret:*");
    const elsewhere = arnOf(
      "aws",
      "secretsmanager",
      "secret:login/wechat-app-secret-??????",
    ).replace(`:${ENVS.aws.account}:`, ":111122223333:");
    const v = ofPolicy(reading("aws", [wildcard, elsewhere]), policy);
    expect(v.map((x) => x.message)).toEqual([
      expect.stringContaining(`on '${wildcard}', which is not a secret of this stack`),
      expect.stringContaining(`on '${elsewhere}', which is not a secret of this stack`),
    ]);
  });
});
