import { cognitoTrustPolicy } from "../../policies/rules/cognitoTrust";
import { runPolicies } from "../../policies/rules/run";
import {
  proxyModule,
  ENVS,
  both,
  trust,
  happyStack,
  mutate,
  validateDirectly,
  ofPolicy,
  expectViolation,
  type Stack,
  type Env,
} from "./fixtures";

describe("cognito-trust-policy", () => {
  const policy = "cognito-trust-policy";
  const withTrust =
    (partition: Stack, build: (env: Env) => unknown) => (props: Record<string, unknown>) => ({
      ...props,
      assumeRolePolicy: JSON.stringify(build(ENVS[partition])),
    });

  it.each(both)("rejects a trust policy without an aud condition (%s)", (partition) => {
    const v = runPolicies(
      mutate(
        partition,
        "auth-role",
        withTrust(partition, (env) =>
          trust(env, "authenticated", {
            Condition: { "ForAnyValue:StringLike": { [`${env.keyPrefix}:amr`]: "authenticated" } },
          }),
        ),
      ),
    );
    expectViolation(
      v,
      policy,
      `IAM role 'auth-role' statement #1 trusts ${ENVS[partition].principal} without a StringEquals ${ENVS[partition].keyPrefix}:aud condition`,
    );
  });

  it.each(both)("rejects an aud that is a wildcard (%s)", (partition) => {
    const v = runPolicies(
      mutate(
        partition,
        "auth-role",
        withTrust(partition, (env) => {
          const doc = trust(env, "authenticated");
          doc.Statement[0]!.Condition.StringEquals = {
            [`${env.keyPrefix}:aud`]: `${env.region}:*`,
          };
          return doc;
        }),
      ),
    );
    expectViolation(v, policy, "which is not a concrete identity pool id");
  });

  it.each(both)("rejects an aud that lists several pools (%s)", (partition) => {
    const other = `${ENVS[partition].region}:11111111-2222-3333-4444-555555555555`;
    const v = runPolicies(
      mutate(
        partition,
        "auth-role",
        withTrust(partition, (env) => {
          const doc = trust(env, "authenticated");
          doc.Statement[0]!.Condition.StringEquals = {
            [`${env.keyPrefix}:aud`]: [env.poolId, other] as unknown as string,
          };
          return doc;
        }),
      ),
    );
    expectViolation(v, policy, "trusts 2 identity pools");
  });

  it.each(both)("rejects a trust policy without an amr condition (%s)", (partition) => {
    const v = runPolicies(
      mutate(
        partition,
        "auth-role",
        withTrust(partition, (env) =>
          trust(env, "authenticated", {
            Condition: { StringEquals: { [`${env.keyPrefix}:aud`]: env.poolId } },
          }),
        ),
      ),
    );
    expectViolation(v, policy, `without a ForAnyValue:StringLike ${ENVS[partition].keyPrefix}:amr`);
  });

  it.each(both)("rejects an amr listing both identity kinds (%s)", (partition) => {
    const v = runPolicies(
      mutate(
        partition,
        "auth-role",
        withTrust(partition, (env) => trust(env, ["authenticated", "unauthenticated"])),
      ),
    );
    expectViolation(v, policy, 'must be exactly "authenticated" or exactly "unauthenticated"');
  });

  it.each(both)("rejects an amr of '*' (%s)", (partition) => {
    const v = runPolicies(
      mutate(
        partition,
        "auth-role",
        withTrust(partition, (env) => trust(env, "*")),
      ),
    );
    expectViolation(v, policy, `amr = ["*"]`);
  });

  it.each(both)(
    "rejects a guest role that also trusts authenticated identities (%s)",
    (partition) => {
      const v = runPolicies(
        mutate(
          partition,
          "guest-role",
          withTrust(partition, (env) => {
            const doc = trust(env, "unauthenticated");
            doc.Statement.push(trust(env, "authenticated").Statement[0]!);
            return doc;
          }),
        ),
      );
      expectViolation(
        v,
        policy,
        "IAM role 'guest-role' trusts both authenticated and unauthenticated (guest) Cognito identities",
      );
    },
  );

  it.each(both)("rejects any action other than sts:AssumeRoleWithWebIdentity (%s)", (partition) => {
    const v = runPolicies(
      mutate(
        partition,
        "auth-role",
        withTrust(partition, (env) =>
          trust(env, "authenticated", {
            Action: ["sts:AssumeRoleWithWebIdentity", "sts:AssumeRole"],
          }),
        ),
      ),
    );
    expectViolation(v, policy, 'need exactly "sts:AssumeRoleWithWebIdentity"');
  });

  describe.each(both)("sts:TagSession for principal tags (%s)", (partition) => {
    const withStatements = (make: (env: Env) => Record<string, unknown>[]) =>
      runPolicies(
        mutate(partition, "auth-role", (props) => ({
          ...props,
          assumeRolePolicy: JSON.stringify({
            Version: "2012-10-17",
            Statement: make(ENVS[partition]),
          }),
        })),
      );
    const assume = (env: Env) =>
      trust(env, "authenticated").Statement[0] as Record<string, unknown>;

    it("accepts it in the AssumeRoleWithWebIdentity statement, under its aud/amr", () => {
      const v = withStatements((env) => [
        { ...assume(env), Action: ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"] },
      ]);
      expect(ofPolicy(v, policy)).toEqual([]);
    });

    it("accepts it alone in a statement with the same Principal and conditions", () => {
      const v = withStatements((env) => [
        assume(env),
        { ...assume(env), Action: "sts:TagSession" },
      ]);
      expect(ofPolicy(v, policy)).toEqual([]);
    });

    it("rejects it alone under other conditions (anyone of another kind could tag)", () => {
      const v = withStatements((env) => [
        assume(env),
        {
          ...assume(env),
          Action: "sts:TagSession",
          Condition: {
            StringEquals: { [`${env.keyPrefix}:aud`]: env.poolId },
            "ForAnyValue:StringLike": { [`${env.keyPrefix}:amr`]: "unauthenticated" },
          },
        },
      ]);
      expectViolation(v, policy, '"sts:TagSession" only for principal tags');
    });

    it("rejects it without an AssumeRoleWithWebIdentity statement to match", () => {
      const v = withStatements((env) => [{ ...assume(env), Action: "sts:TagSession" }]);
      expectViolation(v, policy, '"sts:TagSession" only for principal tags');
    });
  });

  /** The stack whose authenticated role trusts the pool through `env`'s principal and keys. */
  const withAuthTrust = (partition: Stack, env: Partial<Env>) =>
    runPolicies(
      mutate(partition, "auth-role", (props) => ({
        ...props,
        assumeRolePolicy: trust({ ...ENVS[partition], ...env }, "authenticated"),
      })),
    );

  it("rejects China condition keys on the global principal", () => {
    const v = withAuthTrust("aws", { keyPrefix: "cognito-identity.amazonaws.com.cn" });
    expectViolation(
      v,
      policy,
      "condition key 'cognito-identity.amazonaws.com.cn:aud' belongs to another partition's Cognito: use cognito-identity.amazonaws.com:aud",
    );
  });

  it("accepts the global principal and keys in an aws-cn stack (English AWS China docs)", () => {
    const v = withAuthTrust("aws-cn", {
      principal: "cognito-identity.amazonaws.com",
      keyPrefix: "cognito-identity.amazonaws.com",
    });
    expect(v).toEqual([]);
  });

  it("rejects an unrecognised cognito-identity principal", () => {
    const v = withAuthTrust("aws", { principal: "cognito-identity.example.com" });
    expectViolation(
      v,
      policy,
      "trusts unrecognised Cognito principal 'cognito-identity.example.com'",
    );
  });

  it("is advisory-safe under preview: an unknown trust policy raises the SDK's unknown-value error", () => {
    const args = {
      type: "aws:iam/role:Role",
      name: "auth-role",
      props: proxyModule.unknownCheckingProxy({ assumeRolePolicy: proxyModule.unknownStringValue }),
    };
    // @pulumi/policy turns this error into an advisory "can't run policy during preview".
    expect(() => validateDirectly(cognitoTrustPolicy, args)).toThrow(
      /can't be known during preview/,
    );
  });

  describe("a Cognito role trusts nothing else", () => {
    const withExtraStatement = (partition: Stack, extra: Record<string, unknown>) =>
      runPolicies(
        mutate(partition, "auth-role", (props) => {
          const doc = trust(ENVS[partition], "authenticated");
          return {
            ...props,
            assumeRolePolicy: JSON.stringify({ ...doc, Statement: [...doc.Statement, extra] }),
          };
        }),
      );

    describe.each(both)("%s", (partition) => {
      it.each([
        ['Principal "*"', { Principal: "*", Action: "sts:AssumeRole" }, 'Principal "*"'],
        ["AWS *", { Principal: { AWS: "*" }, Action: "sts:AssumeRole" }, 'AWS "*"'],
        [
          "Federated *",
          { Principal: { Federated: "*" }, Action: "sts:AssumeRoleWithWebIdentity" },
          'Federated "*"',
        ],
        [
          "another IdP without conditions",
          {
            Principal: { Federated: "accounts.google.com" },
            Action: "sts:AssumeRoleWithWebIdentity",
          },
          'Federated "accounts.google.com"',
        ],
        [
          "a service",
          { Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
          'Service "lambda.amazonaws.com"',
        ],
        ["NotPrincipal", { NotPrincipal: { AWS: "x" }, Action: "sts:AssumeRole" }, "NotPrincipal"],
      ])("rejects another Allow statement trusting %s", (_label, extra, fragment) => {
        const v = withExtraStatement(partition, { Effect: "Allow", ...extra });
        expectViolation(v, policy, `IAM role 'auth-role' statement #2 trusts ${fragment}`);
        expectViolation(v, policy, "trust only the Cognito principal here");
      });

      it("rejects extra principals inside the Cognito statement itself", () => {
        const v = runPolicies(
          mutate(partition, "auth-role", (props) => {
            const doc = trust(ENVS[partition], "authenticated");
            const statement = doc.Statement[0]!;
            return {
              ...props,
              assumeRolePolicy: {
                ...doc,
                Statement: [
                  {
                    ...statement,
                    Principal: { Federated: [ENVS[partition].principal, "*"], AWS: "*" },
                  },
                ],
              },
            };
          }),
        );
        expectViolation(v, policy, `statement #1 trusts Federated "*", AWS "*"`);
      });

      it("ignores Deny statements and roles not trusted by Cognito", () => {
        expect(
          withExtraStatement(partition, {
            Effect: "Deny",
            Principal: "*",
            Action: "sts:AssumeRole",
          }).filter((v) => v.policy === policy),
        ).toEqual([]);
        // login-fn-role trusts lambda.amazonaws.com only: not this rule's business.
        expect(ofPolicy(runPolicies(happyStack(partition)), policy)).toEqual([]);
      });
    });
  });
});
