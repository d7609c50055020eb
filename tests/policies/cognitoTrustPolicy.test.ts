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
  /** The stack whose `role` trusts what `build` writes for the stack's env. */
  const withTrust = (partition: Stack, role: string, build: (env: Env) => unknown) =>
    runPolicies(
      mutate(partition, role, (props) => ({
        ...props,
        assumeRolePolicy: JSON.stringify(build(ENVS[partition])),
      })),
    );
  const otherPool = (env: Env) => `${env.region}:11111111-2222-3333-4444-555555555555`;
  const withAud = (aud: (env: Env) => unknown) => (env: Env) => {
    const doc = trust(env, "authenticated");
    doc.Statement[0]!.Condition.StringEquals = { [`${env.keyPrefix}:aud`]: aud(env) as string };
    return doc;
  };

  const broken: [string, string, (env: Env) => unknown, (env: Env) => string][] = [
    [
      "a trust policy without an aud condition",
      "auth-role",
      (env) =>
        trust(env, "authenticated", {
          Condition: { "ForAnyValue:StringLike": { [`${env.keyPrefix}:amr`]: "authenticated" } },
        }),
      (env) =>
        `IAM role 'auth-role' statement #1 trusts ${env.principal} without a StringEquals ${env.keyPrefix}:aud condition`,
    ],
    [
      "an aud that is a wildcard",
      "auth-role",
      withAud((env) => `${env.region}:*`),
      () => "which is not a concrete identity pool id",
    ],
    [
      "an aud that lists several pools",
      "auth-role",
      withAud((env) => [env.poolId, otherPool(env)]),
      () => "trusts 2 identity pools",
    ],
    [
      "a trust policy without an amr condition",
      "auth-role",
      (env) =>
        trust(env, "authenticated", {
          Condition: { StringEquals: { [`${env.keyPrefix}:aud`]: env.poolId } },
        }),
      (env) => `without a ForAnyValue:StringLike ${env.keyPrefix}:amr`,
    ],
    [
      "an amr listing both identity kinds",
      "auth-role",
      (env) => trust(env, ["authenticated", "unauthenticated"]),
      () => 'must be exactly "authenticated" or exactly "unauthenticated"',
    ],
    ["an amr of '*'", "auth-role", (env) => trust(env, "*"), () => `amr = ["*"]`],
    [
      "a guest role that also trusts authenticated identities",
      "guest-role",
      (env) => {
        const doc = trust(env, "unauthenticated");
        doc.Statement.push(trust(env, "authenticated").Statement[0]!);
        return doc;
      },
      () =>
        "IAM role 'guest-role' trusts both authenticated and unauthenticated (guest) Cognito identities",
    ],
    [
      "any action other than sts:AssumeRoleWithWebIdentity",
      "auth-role",
      (env) =>
        trust(env, "authenticated", {
          // sts:TagSession is allowed (principal tags); any other action is not.
          Action: ["sts:AssumeRoleWithWebIdentity", "sts:AssumeRole"],
        }),
      () => 'need exactly "sts:AssumeRoleWithWebIdentity"',
    ],
  ];

  describe.each(both)("%s", (partition) => {
    it.each(broken)("rejects %s", (_label, role, build, message) => {
      const v = withTrust(partition, role, build);
      expectViolation(v, policy, message(ENVS[partition]));
    });
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
    withTrust(partition, "auth-role", (stackEnv) =>
      trust({ ...stackEnv, ...env }, "authenticated"),
    );

  it.each([
    [
      "China condition keys on the global principal",
      { keyPrefix: "cognito-identity.amazonaws.com.cn" },
      "condition key 'cognito-identity.amazonaws.com.cn:aud' belongs to another partition's Cognito: use cognito-identity.amazonaws.com:aud",
    ],
    [
      "an unrecognised cognito-identity principal",
      { principal: "cognito-identity.example.com" },
      "trusts unrecognised Cognito principal 'cognito-identity.example.com'",
    ],
  ])("rejects %s", (_label, env, message) => {
    expectViolation(withAuthTrust("aws", env), policy, message);
  });

  it("accepts the global principal and keys in an aws-cn stack (English AWS China docs)", () => {
    const v = withAuthTrust("aws-cn", {
      principal: "cognito-identity.amazonaws.com",
      keyPrefix: "cognito-identity.amazonaws.com",
    });
    expect(v).toEqual([]);
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
