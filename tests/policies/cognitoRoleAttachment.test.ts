import { runPolicies } from "../../policies/rules/run";
import {
  proxyModule,
  ENVS,
  both,
  trust,
  mutate,
  ofPolicy,
  expectViolation,
  arnOf,
  IDENTITY_OPTS,
  resourceOf,
  withExtra,
  type Stack,
} from "./fixtures";

describe("cognito-role-attachment", () => {
  const policy = "cognito-role-attachment";
  const roleArn = (p: Stack, name: string) => `arn:${p}:iam::${ENVS[p].account}:role/${name}`;
  const withRoles = (partition: Stack, roles: Record<string, unknown>, extra = {}) =>
    runPolicies(mutate(partition, "pool-roles", (props) => ({ ...props, roles, ...extra })));

  describe.each(both)("%s", (partition) => {
    it("rejects a role whose trust pins another identity pool", () => {
      const other = `${ENVS[partition].region}:11111111-2222-3333-4444-555555555555`;
      const v = runPolicies(
        mutate(partition, "auth-role", (props) => ({
          ...props,
          assumeRolePolicy: JSON.stringify(
            trust({ ...ENVS[partition], poolId: other }, "authenticated"),
          ),
        })),
      );
      expectViolation(
        v,
        policy,
        `Identity pool role attachment 'pool-roles' hands authenticated identities (roles.authenticated) role 'auth-role', whose trust policy pins aud '${other}' instead of this attachment's pool '${ENVS[partition].poolId}'`,
      );
      // The role on its own is well-formed: only the stack-level check sees the mismatch.
      expect(ofPolicy(v, "cognito-trust-policy")).toEqual([]);
    });

    it("rejects swapped authenticated and guest roles", () => {
      const v = withRoles(partition, {
        authenticated: roleArn(partition, "guest-role"),
        unauthenticated: roleArn(partition, "auth-role"),
      });
      expectViolation(
        v,
        policy,
        `hands authenticated identities (roles.authenticated) role 'guest-role', whose trust policy admits only "unauthenticated" identities`,
      );
      expectViolation(
        v,
        policy,
        `hands unauthenticated identities (roles.unauthenticated) role 'auth-role', whose trust policy admits only "authenticated" identities`,
      );
    });

    it("rejects a role that is not in the stack (cannot be verified)", () => {
      const v = withRoles(partition, { authenticated: roleArn(partition, "made-elsewhere") });
      expectViolation(
        v,
        policy,
        `role '${roleArn(partition, "made-elsewhere")}', which is not a role of this stack`,
      );
    });

    it("rejects a stack role that Cognito does not trust", () => {
      const v = withRoles(partition, {
        authenticated: roleArn(partition, "auth-role"),
        unauthenticated: roleArn(partition, "login-fn-role"),
      });
      // login-fn-role has no ARN or name recorded in the fixture: unresolvable, so unverifiable.
      expectViolation(v, policy, "which is not a role of this stack");
      const named = runPolicies(
        mutate(partition, "login-fn-role", (p) => ({ ...p, name: "login-fn-role" })).map((r) =>
          r.name === "pool-roles"
            ? {
                ...r,
                props: {
                  ...r.props,
                  roles: {
                    authenticated: roleArn(partition, "auth-role"),
                    unauthenticated: roleArn(partition, "login-fn-role"),
                  },
                },
              }
            : r,
        ),
      );
      expectViolation(
        named,
        policy,
        "role 'login-fn-role', whose trust policy does not trust Cognito",
      );
    });

    it("checks role mapping rules as authenticated, and rejects Token mappings", () => {
      const v = withRoles(
        partition,
        { authenticated: roleArn(partition, "auth-role") },
        {
          roleMappings: [
            {
              identityProvider: "login.wechat",
              type: "Rules",
              mappingRules: [
                {
                  claim: "x",
                  matchType: "Equals",
                  value: "y",
                  roleArn: roleArn(partition, "guest-role"),
                },
              ],
            },
            { identityProvider: "login.wechat", type: "Token" },
          ],
        },
      );
      expectViolation(
        v,
        policy,
        `(roleMappings[0].mappingRules[0]) role 'guest-role', whose trust policy admits only "unauthenticated" identities`,
      );
      expectViolation(v, policy, "(roleMappings[1] type Token)");
    });

    it("leaves a role without aud to cognito-trust-policy (one defect, one message)", () => {
      const v = runPolicies(
        mutate(partition, "auth-role", (props) => ({
          ...props,
          assumeRolePolicy: trust(ENVS[partition], "authenticated", {
            Condition: {
              "ForAnyValue:StringLike": { [`${ENVS[partition].keyPrefix}:amr`]: "authenticated" },
            },
          }),
        })),
      );
      expectViolation(v, "cognito-trust-policy", "without a StringEquals");
      expect(ofPolicy(v, policy)).toEqual([]);
    });

    it("skips role ARNs unknown during preview", () => {
      const v = withRoles(partition, { authenticated: proxyModule.unknownStringValue });
      expect(ofPolicy(v, policy)).toEqual([]);
    });
  });

  describe("every identity pool in the stack", () => {
    const OTHER = "11111111-2222-3333-4444-555555555555";

    describe.each(both)("%s", (partition) => {
      const foreign = `${ENVS[partition].region}:${OTHER}`;

      it("rejects an attachment to a pool that is not in the stack", () => {
        const v = runPolicies(
          mutate(partition, "pool-roles", (p) => ({ ...p, identityPoolId: foreign })),
        );
        expectViolation(
          v,
          policy,
          `Identity pool role attachment 'pool-roles' attaches roles to identity pool '${foreign}', which is not an identity pool of this stack`,
        );
      });

      it("rejects a Cognito-trusted role pinned to a pool that is not in the stack", () => {
        const stray = resourceOf(partition, "aws:iam/role:Role", "stray-role", {
          name: "stray-role",
          assumeRolePolicy: trust({ ...ENVS[partition], poolId: foreign }, "authenticated"),
        });
        const v = runPolicies(withExtra(partition, stray));
        expectViolation(
          v,
          policy,
          `IAM role 'stray-role' trusts identities of identity pool '${foreign}', which is not an identity pool of this stack, so whoever owns that pool gets this role's permissions`,
        );
        // Well-formed on its own: only the stack view sees that the pool is foreign.
        expect(ofPolicy(v, "cognito-trust-policy")).toEqual([]);
      });

      it("checks the roles of a second pool against that pool", () => {
        const second = `${ENVS[partition].region}:${OTHER}`;
        const pool = resourceOf(
          partition,
          "aws:cognito/identityPool:IdentityPool",
          "pool-2",
          {
            identityPoolName: "second",
            arn: arnOf(partition, "cognito-identity", `identitypool/${second}`),
          },
          IDENTITY_OPTS,
        );
        const attach = (roleName: string) =>
          resourceOf(
            partition,
            "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment",
            "pool-2-roles",
            {
              identityPoolId: second,
              roles: { authenticated: arnOf(partition, "iam", `role/${roleName}`, "") },
            },
          );
        const role = resourceOf(partition, "aws:iam/role:Role", "second-auth", {
          name: "second-auth",
          assumeRolePolicy: trust({ ...ENVS[partition], poolId: second }, "authenticated"),
          permissionsBoundary: arnOf(partition, "iam", "policy/auth-boundary", ""),
        });
        expect(runPolicies(withExtra(partition, pool, role, attach("second-auth")))).toEqual([]);
        // The first pool's role handed out by the second pool: pinned to the wrong pool.
        expectViolation(
          runPolicies(withExtra(partition, pool, role, attach("auth-role"))),
          policy,
          `'pool-2-roles' hands authenticated identities (roles.authenticated) role 'auth-role', whose trust policy pins aud '${ENVS[partition].poolId}' instead of this attachment's pool '${second}'`,
        );
      });

      it("skips the pool checks while a pool id is unknown (preview)", () => {
        const v = runPolicies(
          mutate(partition, "pool", (p) => ({ ...p, arn: proxyModule.unknownStringValue })),
        );
        expect(ofPolicy(v, policy)).toEqual([]);
      });
    });
  });
});
