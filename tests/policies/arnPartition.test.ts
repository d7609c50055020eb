import { partitionOfRegion } from "../../policies/rules/partition";
import { runPolicies } from "../../policies/rules/run";
import { proxyModule, urn, happyStack, mutate, withoutProvider, expectViolation } from "./fixtures";

describe("arn-partition", () => {
  const policy = "arn-partition";
  // Built from pieces: the global partition name, never the literal ARN prefix.
  const globalPartition = ["a", "w", "s"].join("");

  it("rejects a global-partition ARN in an aws-cn stack, including inside JSON policy strings", () => {
    const wrong = `arn:${globalPartition}:dynamodb:cn-north-1:210987654321:table/wechat-identities`;
    const v = runPolicies(
      mutate("aws-cn", "auth-role-data", (props) => ({
        ...props,
        policy: JSON.stringify({
          Statement: [{ Effect: "Allow", Action: "dynamodb:GetItem", Resource: wrong }],
        }),
      })),
    );
    expectViolation(
      v,
      policy,
      `Resource 'auth-role-data' (aws:iam/rolePolicy:RolePolicy) has ARN '${wrong}' at props.policy in partition 'aws', but the stack's region cn-north-1 is in 'aws-cn'`,
    );
    expect(v.find((x) => x.policy === policy)?.resourceUrn).toBe(
      urn("aws:iam/rolePolicy:RolePolicy", "auth-role-data"),
    );
  });

  it("rejects an aws-cn ARN in a global stack", () => {
    const wrong = "arn:aws-cn:iam::210987654321:role/x";
    const v = runPolicies(mutate("aws", "login", (props) => ({ ...props, role: wrong })));
    expectViolation(v, policy, `has ARN '${wrong}' at props.role in partition 'aws-cn'`);
  });

  it("uses the stack's provider region when a resource has no provider attached", () => {
    const resources = mutate("aws-cn", "login", (props) => ({
      ...props,
      role: `arn:${globalPartition}:iam::210987654321:role/x`,
    })).map(withoutProvider);
    expectViolation(runPolicies(resources), policy, "(from the stack's AWS provider)");
  });

  it("reports, rather than guesses, when no region can be determined", () => {
    const resources = happyStack("aws")
      .filter((r) => !r.type.startsWith("pulumi:providers:"))
      .map(withoutProvider);
    expectViolation(runPolicies(resources), policy, "its region cannot be determined");
  });

  it("takes the region from the policy config when the stack has no provider", () => {
    const resources = happyStack("aws-cn")
      .filter((r) => !r.type.startsWith("pulumi:providers:"))
      .map(withoutProvider);
    expect(
      runPolicies(resources, { config: { "arn-partition": { region: "cn-north-1" } } }),
    ).toEqual([]);
  });

  it("maps regions to partitions", () => {
    expect(partitionOfRegion("cn-north-1")).toBe("aws-cn");
    expect(partitionOfRegion("cn-northwest-1")).toBe("aws-cn");
    expect(partitionOfRegion("us-gov-west-1")).toBe("unsupported");
    expect(partitionOfRegion("eu-west-1")).toBe("aws");
  });

  it("skips values unknown during preview instead of failing the whole stack", () => {
    const resources = mutate("aws-cn", "login", (props) => ({
      ...props,
      role: proxyModule.unknownStringValue,
    }));
    expect(runPolicies(resources)).toEqual([]);
  });
});
