import { runPolicies, type PlanResource } from "../../policies/rules/run";
import {
  ENVS,
  both,
  urn,
  arnOf,
  policyOf,
  happyStack,
  mutate,
  expectViolation,
  ofPolicy,
  type Stack,
  withAuthStatement,
} from "./fixtures";

describe("no-wildcard-iam", () => {
  const policy = "no-wildcard-iam";
  const withStatement = withAuthStatement;
  /** The stack with the function role's inline policies replaced. */
  const withInlinePolicy = (partition: Stack, name: string, policy: unknown) =>
    runPolicies(
      mutate(partition, "login-fn-role", (props) => ({
        ...props,
        inlinePolicies: [{ name, policy }],
      })),
    );

  it.each(both)("rejects Resource '*' (%s)", (partition) => {
    const v = withStatement(partition, {
      Effect: "Allow",
      Action: "dynamodb:GetItem",
      Resource: "*",
    });
    expectViolation(
      v,
      policy,
      `RolePolicy 'auth-role-data' statement #1 allows ["dynamodb:GetItem"] on Resource '*'`,
    );
  });

  it.each(both)("rejects Action 'dynamodb:*' (%s)", (partition) => {
    const tableArn = `arn:${partition}:dynamodb:${ENVS[partition].region}:${ENVS[partition].account}:table/t`;
    const v = withStatement(partition, {
      Effect: "Allow",
      Action: "dynamodb:*",
      Resource: tableArn,
    });
    expectViolation(v, policy, "allows Action 'dynamodb:*'");
  });

  it.each(both)("rejects Action '*' in an inline role policy (%s)", (partition) => {
    const v = withInlinePolicy(partition, "admin", {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
    });
    expectViolation(
      v,
      policy,
      "IAM role 'login-fn-role' inline policy 'admin' statement #1 allows Action '*'",
    );
    expectViolation(v, policy, "on Resource '*'");
  });

  it.each(both)("rejects NotAction and NotResource in Allow statements (%s)", (partition) => {
    const v = withStatement(partition, { Effect: "Allow", NotAction: "iam:*", NotResource: "x" });
    expectViolation(v, policy, "uses NotAction in an Allow statement");
    expectViolation(v, policy, "uses NotResource in an Allow statement");
  });

  it.each(both)("rejects a service-wide ARN wildcard (%s)", (partition) => {
    const v = withStatement(partition, {
      Effect: "Allow",
      Action: "dynamodb:GetItem",
      Resource: `arn:${partition}:dynamodb:*:*:*`,
    });
    expectViolation(v, policy, `on Resource 'arn:${partition}:dynamodb:*:*:*'`);
  });

  it.each(both)(
    "allows Resource '*' for X-Ray actions that have no resource scoping (%s)",
    (partition) => {
      const v = withStatement(partition, {
        Effect: "Allow",
        Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
        Resource: "*",
      });
      expect(v).toEqual([]);
    },
  );

  it.each(both)(
    "allows Resource '*' for DeleteIdentities only when its condition pins the pool (%s)",
    (partition) => {
      const pool = `arn:${partition}:cognito-identity:${ENVS[partition].region}:${ENVS[partition].account}:identitypool/${ENVS[partition].region}:4f1c2b3a-5d6e-4f70-8a9b-0c1d2e3f4a5b`;
      const statement = (Condition?: unknown) => ({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: "cognito-identity:DeleteIdentities",
            Resource: "*",
            Condition,
          },
        ],
      });
      const pinned = (condition: unknown) =>
        ofPolicy(withInlinePolicy(partition, "delete", statement(condition)), policy);
      expect(pinned({ StringEquals: { "cognito-identity:IdentityPoolArn": pool } })).toEqual([]);
      expect(pinned({ ArnEquals: { "cognito-identity:IdentityPoolArn": [pool] } })).toEqual([]);
      // No condition, a wildcard pool, another key, another operator: every pool of the account.
      for (const condition of [
        undefined,
        { StringLike: { "cognito-identity:IdentityPoolArn": pool } },
        { StringEquals: { "cognito-identity:IdentityPoolArn": `${pool.split("/")[0]}/*` } },
        { StringEquals: { "aws:RequestedRegion": ENVS[partition].region } },
      ]) {
        expect(pinned(condition)).toEqual([
          expect.objectContaining({ message: expect.stringContaining("on Resource '*'") }),
        ]);
      }
    },
  );

  it.each(both)(
    "allows StringEqualsIfExists on the pool key only where the key is undocumented (%s)",
    (partition) => {
      const pool = `arn:${partition}:cognito-identity:${ENVS[partition].region}:${ENVS[partition].account}:identitypool/${ENVS[partition].region}:4f1c2b3a-5d6e-4f70-8a9b-0c1d2e3f4a5b`;
      const v = ofPolicy(
        withInlinePolicy(partition, "delete", {
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Action: "cognito-identity:DeleteIdentities",
              Resource: "*",
              Condition: { StringEqualsIfExists: { "cognito-identity:IdentityPoolArn": pool } },
            },
          ],
        }),
        policy,
      );
      // accountDeletionPoolCondition if-present: aws-cn only (docs/aws-china.md, "Cognito").
      if (partition === "aws-cn") expect(v).toEqual([]);
      else
        expect(v).toEqual([
          expect.objectContaining({ message: expect.stringContaining("on Resource '*'") }),
        ]);
    },
  );

  it("allows wildcards in Deny statements", () => {
    const v = withStatement("aws", { Effect: "Deny", Action: "*", Resource: "*" });
    expect(v).toEqual([]);
  });

  it("rejects a policy document that is not valid JSON", () => {
    const v = runPolicies(mutate("aws", "auth-role-data", (p) => ({ ...p, policy: "{nope" })));
    expectViolation(v, policy, "RolePolicy 'auth-role-data' is not valid JSON");
  });

  it("checks aws:iam/policy:Policy documents too", () => {
    const resources: PlanResource[] = [
      ...happyStack("aws"),
      {
        type: "aws:iam/policy:Policy",
        name: "broad",
        urn: urn("aws:iam/policy:Policy", "broad"),
        props: {
          policy: JSON.stringify({ Statement: { Effect: "Allow", Action: "s3:*", Resource: "*" } }),
        },
        opts: {},
      },
    ];
    expectViolation(
      runPolicies(resources),
      policy,
      "Policy 'broad' statement #1 allows Action 's3:*'",
    );
  });

  // The app's own table: the stack's mapping table is out of reach of Cognito roles altogether.
  describe("actions, missing and malformed resources", () => {
    const table = (partition: Stack) => arnOf(partition, "dynamodb", "table/app-notes");

    describe.each(both)("%s", (partition) => {
      it.each(["*:*", "*:GetItem", "dynamo*:GetItem", "dynamodb?:GetItem", "dynamodb:**"])(
        "rejects Action '%s' (wildcard service prefix or whole service)",
        (action) => {
          const v = withStatement(partition, {
            Effect: "Allow",
            Action: action,
            Resource: table(partition),
          });
          expectViolation(v, policy, `allows Action '${action}'`);
        },
      );

      it("accepts a partial action pattern within one service", () => {
        const v = withStatement(partition, {
          Effect: "Allow",
          Action: "dynamodb:Get*",
          Resource: table(partition),
        });
        expect(v).toEqual([]);
      });

      it("rejects a statement without Resource, and one without Resource or NotResource", () => {
        expectViolation(
          withStatement(partition, { Effect: "Allow", Action: "dynamodb:GetItem" }),
          policy,
          "RolePolicy 'auth-role-data' statement #1 has no Resource",
        );
        const both = withStatement(partition, {
          Effect: "Allow",
          Action: "dynamodb:GetItem",
          NotResource: table(partition),
        });
        expectViolation(both, policy, "has no Resource");
        expectViolation(both, policy, "uses NotResource in an Allow statement");
        expectViolation(
          withStatement(partition, { Effect: "Allow", Action: "dynamodb:GetItem", Resource: [] }),
          policy,
          "has no Resource",
        );
      });

      it.each([
        ["a template with an undefined ARN", "undefined/index/byUser"],
        ["a bare table name", "wechat-identities"],
        ["an ARN with undefined region and account", "arn:P:dynamodb:undefined:undefined:table/t"],
        ["an ARN without partition", "arn::dynamodb:R:A:table/t"],
        ["an ARN missing fields", "arn:P:dynamodb:table/t"],
      ])("rejects a Resource that is not an ARN: %s", (_label, template) => {
        const resource = template
          .replace("P", partition)
          .replace(":R:", `:${ENVS[partition].region}:`)
          .replace(":A:", `:${ENVS[partition].account}:`);
        const v = withStatement(partition, {
          Effect: "Allow",
          Action: "dynamodb:GetItem",
          Resource: resource,
        });
        expectViolation(v, policy, `on Resource '${resource}', which is not an ARN`);
      });

      it("rejects a Resource that is not a string", () => {
        const v = withStatement(partition, {
          Effect: "Allow",
          Action: "dynamodb:GetItem",
          Resource: [{ table: "t" }],
        });
        expectViolation(v, policy, 'has Resource {"table":"t"}, which is not an ARN string');
      });

      it.each([
        ["partition", (p: Stack) => `arn:*:dynamodb:${ENVS[p].region}:${ENVS[p].account}:table/t`],
        [
          "partition",
          (p: Stack) => `arn:aws?cn:dynamodb:${ENVS[p].region}:${ENVS[p].account}:table/t`,
        ],
        ["service", (p: Stack) => `arn:${p}:*:${ENVS[p].region}:${ENVS[p].account}:table/t`],
        ["service", (p: Stack) => `arn:${p}:dynamo*:${ENVS[p].region}:${ENVS[p].account}:table/t`],
        ["region", (p: Stack) => `arn:${p}:dynamodb:*:${ENVS[p].account}:table/t`],
        ["account", (p: Stack) => `arn:${p}:dynamodb:${ENVS[p].region}:*:table/t`],
        [
          "region / account",
          (p: Stack) => `arn:${p}:cognito-identity:*:*:identitypool/${ENVS[p].poolId}`,
        ],
      ])("rejects a wildcard %s field", (field, build) => {
        const resource = build(partition);
        const v = withStatement(partition, {
          Effect: "Allow",
          Action: "dynamodb:GetItem",
          Resource: resource,
        });
        expectViolation(v, policy, `on Resource '${resource}', whose ${field}`);
      });
    });
  });

  describe("primary resource names", () => {
    const check = (partition: Stack, service: string, resource: string) =>
      runPolicies(
        mutate(partition, "auth-role-data", (props) => ({
          ...props,
          policy: policyOf([
            {
              Effect: "Allow",
              Action: `${service}:Get`,
              Resource: arnOf(partition, service, resource),
            },
          ]),
        })),
      );

    describe.each(both)("%s", (partition) => {
      it.each([
        ["dynamodb", "table/*"],
        ["dynamodb", "table/my*"],
        ["dynamodb", "table/*/index/byUser"],
        ["dynamodb", "*"],
        ["lambda", "function:*"],
        ["lambda", "function:login*"],
        ["iam", "role/*"],
        ["iam", "role/service-role/*"],
        ["secretsmanager", "secret:*"],
        ["secretsmanager", "secret:wechat-app-secret-*"],
        ["secretsmanager", "secret:wechat-app-secret-?????"],
        ["secretsmanager", "secret:wechat-app-secret-???????"],
        ["secretsmanager", "secret:wechat-*-??????"],
        ["cognito-identity", "identitypool/*"],
        ["logs", "log-group:*"],
        ["logs", "log-group:/aws/lambda/*:log-stream:*"],
        ["logs", "log-group:/aws/lambda/login*"],
        ["execute-api", "*/$default/POST/login/wechat"],
        ["execute-api", "a1b2*/$default/POST/login/wechat"],
        ["execute-api", "*"],
        ["s3", "my-bucket*"],
        ["sqs", "login-*"],
      ])("rejects %s Resource '...:%s'", (service, resource) => {
        const v = check(partition, service, resource);
        expectViolation(v, policy, `on Resource '${arnOf(partition, service, resource)}'`);
      });

      it.each([
        // The app's own log group: the stack's own are refused by cognito-roles-no-identity-admin.
        ["logs", "log-group:/app/client-events:log-stream:*"],
        ["logs", "log-group:/app/client-events:*"],
        ["dynamodb", "table/app-notes/index/*"],
        ["dynamodb", "table/app-notes/stream/*"],
        ["lambda", "function:login:*"],
        ["execute-api", "a1b2c3d4e5/*/POST/login/wechat"],
        ["execute-api", "a1b2c3d4e5/$default/*"],
        ["secretsmanager", "secret:cognito-devauth/wechat-app-secret-??????"],
        ["s3", "my-bucket/${cognito-identity.amazonaws.com:sub}/*"],
        ["cognito-identity", `identitypool/${ENVS[partition].poolId}`],
      ])(
        "accepts %s sub-resource wildcards after a concrete resource: '...:%s'",
        (service, resource) => {
          expect(check(partition, service, resource)).toEqual([]);
        },
      );
    });

    it.each(both)(
      "checks aws:iam/policy:Policy documents with the same rules (%s)",
      (partition) => {
        const v = runPolicies(
          mutate(partition, "login-extra", (props) => ({
            ...props,
            policy: policyOf([
              {
                Effect: "Allow",
                Action: "dynamodb:Query",
                Resource: arnOf(partition, "dynamodb", "table/*"),
              },
            ]),
          })),
        );
        expectViolation(v, policy, "Policy 'login-extra' statement #1 allows");
        expectViolation(v, policy, "wildcard in place of the primary resource name");
      },
    );

    it.each(both)("checks role inline policies with the same rules (%s)", (partition) => {
      const v = withInlinePolicy(
        partition,
        "login",
        policyOf([
          {
            Sid: "Secret",
            Effect: "Allow",
            Action: "secretsmanager:GetSecretValue",
            Resource: arnOf(partition, "secretsmanager", "secret:*"),
          },
        ]),
      );
      expectViolation(
        v,
        policy,
        "IAM role 'login-fn-role' inline policy 'login' statement 'Secret'",
      );
    });
  });
});
