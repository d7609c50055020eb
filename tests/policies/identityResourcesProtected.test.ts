import { identityResourcesProtected } from "../../policies/rules/identityResourcesProtected";
import { runPolicies } from "../../policies/rules/run";
import {
  both,
  expectViolation,
  IDENTITY_OPTS,
  mutate,
  ofPolicy,
  resourceOf,
  validateDirectly,
  withExtra,
} from "./fixtures";

describe("identity-resources-protected", () => {
  const policy = "identity-resources-protected";

  it.each(both)("rejects an unprotected table (%s)", (partition) => {
    const v = runPolicies(mutate(partition, "wechat-identities", (p) => p, {}));
    expectViolation(v, policy, "DynamoDB table 'wechat-identities' is not protected");
  });

  it.each(both)("rejects an unprotected identity pool (%s)", (partition) => {
    const v = runPolicies(mutate(partition, "pool", (p) => p, { protect: false }));
    expectViolation(v, policy, "Identity pool 'pool' is not protected");
    expectViolation(v, policy, "orphan every IdentityId");
  });

  it.each(both)("rejects a table without point-in-time recovery (%s)", (partition) => {
    const v = runPolicies(
      mutate(partition, "wechat-identities", (p) => ({ ...p, pointInTimeRecovery: undefined })),
    );
    expectViolation(v, policy, "has no point-in-time recovery");
  });

  it.each(both)("rejects a table without deletion protection (%s)", (partition) => {
    const v = runPolicies(
      mutate(partition, "wechat-identities", (p) => ({ ...p, deletionProtectionEnabled: false })),
    );
    expectViolation(v, policy, "has no deletion protection");
  });

  it.each(both)("rejects a table left on the AWS-owned key (%s)", (partition) => {
    const v = runPolicies(
      mutate(partition, "wechat-identities", (p) => ({
        ...p,
        serverSideEncryption: { enabled: false },
      })),
    );
    expectViolation(v, policy, "encrypted only with an AWS-owned key");
  });

  describe("retainOnDelete as well as protect", () => {
    it.each(both)("rejects an identity pool or table not retained on delete (%s)", (partition) => {
      for (const name of ["pool", "wechat-identities"]) {
        const v = runPolicies(mutate(partition, name, (p) => p, { protect: true }));
        expect(ofPolicy(v, policy)).toEqual([
          expect.objectContaining({
            message: expect.stringMatching(
              /^(Identity pool 'pool'|DynamoDB table 'wechat-identities') is not retained on delete: .*Create it with \{ protect: true, retainOnDelete: true \}\.$/,
            ),
          }),
        ]);
      }
    });

    it("checks protect alone where the engine does not show retainOnDelete", () => {
      // @pulumi/policy's PolicyResourceOptions has no retainOnDelete: under the CLI it is unseen.
      const pool = { type: "aws:cognito/identityPool:IdentityPool", name: "pool", props: {} };
      expect(
        validateDirectly(identityResourcesProtected, { ...pool, opts: { protect: true } }),
      ).toEqual([]);
      expect(validateDirectly(identityResourcesProtected, { ...pool, opts: {} })).toEqual([
        expect.stringContaining("Identity pool 'pool' is not protected"),
      ]);
    });
  });

  describe("every resource that holds identities", () => {
    const userPool = (deletionProtection: string, opts = IDENTITY_OPTS) =>
      resourceOf(
        "aws",
        "aws:cognito/userPool:UserPool",
        "users",
        { name: "users", deletionProtection },
        opts,
      );

    it("checks every identity pool and table in the stack, not only the program's", () => {
      const extraPool = resourceOf("aws-cn", "aws:cognito/identityPool:IdentityPool", "pool-2", {
        identityPoolName: "second",
      });
      const extraTable = resourceOf("aws-cn", "aws:dynamodb/table:Table", "table-2", {
        pointInTimeRecovery: { enabled: true },
        deletionProtectionEnabled: true,
        serverSideEncryption: { enabled: true },
      });
      const v = runPolicies(withExtra("aws-cn", extraPool, extraTable));
      expectViolation(v, policy, "Identity pool 'pool-2' is not protected");
      expectViolation(v, policy, "Identity pool 'pool-2' is not retained on delete");
      expectViolation(v, policy, "DynamoDB table 'table-2' is not protected");
    });

    it("holds a Cognito user pool to the same protection, plus its deletion protection", () => {
      expect(ofPolicy(runPolicies(withExtra("aws", userPool("ACTIVE"))), policy)).toEqual([]);
      const v = runPolicies(withExtra("aws", userPool("INACTIVE", {})));
      expectViolation(v, policy, "Cognito user pool 'users' is not protected");
      expectViolation(v, policy, "delete every user in it");
      expectViolation(v, policy, "Cognito user pool 'users' is not retained on delete");
      expectViolation(v, policy, 'Set deletionProtection: "ACTIVE"');
    });
  });
});
