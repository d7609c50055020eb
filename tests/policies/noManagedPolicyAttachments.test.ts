import { runPolicies } from "../../policies/rules/run";
import {
  proxyModule,
  ENVS,
  both,
  urn,
  arnOf,
  resourceOf,
  policyOf,
  mutate,
  withExtra,
  ofPolicy,
  expectViolation,
  type Stack,
} from "./fixtures";

describe("no-managed-policy-attachments", () => {
  const policy = "no-managed-policy-attachments";
  const awsManaged = (p: Stack) => `arn:${p}:iam::aws:policy/AdministratorAccess`;
  const outside = (p: Stack) => `arn:${p}:iam::${ENVS[p].account}:policy/made-elsewhere`;

  describe.each(both)("%s", (partition) => {
    it.each([
      ["aws:iam/rolePolicyAttachment:RolePolicyAttachment", "policyArn", false],
      ["aws:iam/policyAttachment:PolicyAttachment", "policyArn", false],
      ["aws:iam/userPolicyAttachment:UserPolicyAttachment", "policyArn", false],
      ["aws:iam/groupPolicyAttachment:GroupPolicyAttachment", "policyArn", false],
      ["aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", "policyArns", true],
      ["aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive", "policyArns", true],
      [
        "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive",
        "policyArns",
        true,
      ],
    ] as const)("rejects an AWS managed policy attached by %s", (type, property, list) => {
      const value = awsManaged(partition);
      const v = runPolicies(
        withExtra(
          partition,
          resourceOf(partition, type, "admin", { [property]: list ? [value] : value }),
        ),
      );
      expectViolation(v, policy, `'admin' attaches AWS managed policy '${value}' (${property})`);
      expect(ofPolicy(v, policy)[0]?.resourceUrn).toBe(urn(type, "admin"));
    });

    it("rejects an AWS managed policy in a role's managedPolicyArns", () => {
      const v = runPolicies(
        mutate(partition, "login-fn-role", (p) => ({
          ...p,
          managedPolicyArns: [awsManaged(partition)],
        })),
      );
      expectViolation(v, policy, "Role 'login-fn-role' attaches AWS managed policy");
    });

    it("rejects a customer managed policy that is not in this stack", () => {
      const v = runPolicies(
        mutate(partition, "login-extra-attach", (p) => ({ ...p, policyArn: outside(partition) })),
      );
      expectViolation(
        v,
        policy,
        `attaches policy '${outside(partition)}' (policyArn), which is not an aws.iam.Policy of this stack`,
      );
    });

    it("accepts a stack policy matched by name and path when its ARN is not recorded", () => {
      const resources = withExtra(
        partition,
        resourceOf(partition, "aws:iam/policy:Policy", "scoped", {
          name: "scoped",
          path: "/app/",
          policy: policyOf([
            {
              Effect: "Allow",
              Action: "dynamodb:GetItem",
              Resource: arnOf(partition, "dynamodb", "table/wechat-identities"),
            },
          ]),
        }),
        resourceOf(
          partition,
          "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
          "scoped-attach",
          {
            role: "login-fn-role",
            policyArn: `arn:${partition}:iam::${ENVS[partition].account}:policy/app/scoped`,
          },
        ),
      );
      expect(runPolicies(resources)).toEqual([]);
    });

    it("skips a policy ARN unknown during preview", () => {
      const v = runPolicies(
        mutate(partition, "login-extra-attach", (p) => ({
          ...p,
          policyArn: proxyModule.unknownStringValue,
        })),
      );
      expect(ofPolicy(v, policy)).toEqual([]);
    });
  });
});
