import { runPolicies } from "../../policies/rules/run";
import {
  ENVS,
  arnOf,
  both,
  edit,
  expectViolation,
  happyStack,
  mutate,
  ofPolicy,
  policyOf,
  proxyModule,
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

  it.each(both)(
    "before the secret's ARN is known (a preview), accepts its name only with a concrete region and account (%s)",
    (partition) => {
      const byName = arnOf(partition, "secretsmanager", "secret:login/wechat-app-secret-??????");
      const [, , , region = "", account = ""] = byName.split(":");
      const anywhere = byName.replace(`:${region}:${account}:`, ":*:*:");
      const previewing = (resources: string[]) =>
        edit(
          // The login role reading `resources`, and the secret's ARN unknown as in a preview.
          mutate(partition, "login-fn-role", (props) => ({
            ...props,
            inlinePolicies: [
              {
                name: "secrets",
                policy: policyOf([
                  { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: resources },
                ]),
              },
            ],
          })),
          "wechat-secret",
          (props) => ({ ...props, arn: proxyModule.unknownStringValue }),
        );
      expect(ofPolicy(runPolicies(previewing([byName])), policy)).toEqual([]);
      expectViolation(
        runPolicies(previewing([anywhere])),
        policy,
        `on '${anywhere}', which is not a secret of this stack`,
      );
    },
  );
});
