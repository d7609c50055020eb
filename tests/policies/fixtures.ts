/**
 * The one fixtures module of the policy-pack tests: a realistic stack that passes every rule in
 * both partitions, builders to change one thing in it, and the assertion helper. Each test file
 * covers one rule: the happy stack, then one mutation per test.
 */
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { runPolicies, type PlanResource, type Violation } from "../../policies/rules/run";

// The engine's preview proxy (internal to @pulumi/policy, so untyped): used to prove rules behave
// the way they will under `pulumi preview`.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const proxyModule = require("@pulumi/policy/proxy") as {
  unknownCheckingProxy<T>(value: T): T;
  unknownStringValue: string;
};

export type Stack = "aws" | "aws-cn";

export interface Env {
  partition: Stack;
  region: string;
  account: string;
  poolId: string;
  /** Cognito principal and condition-key prefix for this partition (China family in aws-cn). */
  principal: string;
  keyPrefix: string;
}

export const ENVS: Record<Stack, Env> = {
  aws: {
    partition: "aws",
    region: "us-east-1",
    account: "123456789012",
    poolId: "us-east-1:0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9",
    principal: "cognito-identity.amazonaws.com",
    keyPrefix: "cognito-identity.amazonaws.com",
  },
  "aws-cn": {
    partition: "aws-cn",
    region: "cn-north-1",
    account: "210987654321",
    poolId: "cn-north-1:0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9",
    principal: "cognito-identity.cn-north-1.amazonaws.com.cn",
    keyPrefix: "cognito-identity.amazonaws.com.cn",
  },
};

export const both = ["aws", "aws-cn"] as const;

/** A valid ICP filing number (MIIT format). */
export const ICP = "京ICP备12345678号";

/** How identity resources are created: protected, and kept in the account on delete. */
export const IDENTITY_OPTS: PlanResource["opts"] = { protect: true, retainOnDelete: true };

export const urn = (type: string, name: string) =>
  `urn:pulumi:dev::cognito-devauth::${type}::${name}`;

/** `arn:<partition>:<service>:<region>:<account>:<resource>` of the partition's test env. */
export function arnOf(partition: Stack, service: string, resource: string, region?: string) {
  const env = ENVS[partition];
  return `arn:${partition}:${service}:${region ?? env.region}:${env.account}:${resource}`;
}

/** A resource in the partition's test env (default provider attached). */
export function resourceOf(
  partition: Stack,
  type: string,
  name: string,
  props: Record<string, unknown>,
  opts: PlanResource["opts"] = {},
): PlanResource {
  const provider = {
    type: "pulumi:providers:aws",
    name: "default_7_48_0",
    props: { region: ENVS[partition].region },
  };
  return { type, name, urn: urn(type, name), props, opts, provider };
}

/** A Cognito trust policy for the partition's pool, admitting `amr` identities. */
export function trust(env: Env, amr: unknown, overrides: Record<string, unknown> = {}) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: env.principal },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: { [`${env.keyPrefix}:aud`]: env.poolId },
          "ForAnyValue:StringLike": { [`${env.keyPrefix}:amr`]: amr },
        },
        ...overrides,
      },
    ],
  };
}

export const policyOf = (statements: Record<string, unknown>[]) =>
  JSON.stringify({ Version: "2012-10-17", Statement: statements });

/** A realistic happy-path stack: every rule passes. */
export function happyStack(partition: Stack): PlanResource[] {
  const env = ENVS[partition];
  const { region } = env;
  const arn = (service: string, resource: string, inRegion?: string) =>
    arnOf(partition, service, resource, inRegion);
  const res = (
    type: string,
    name: string,
    props: Record<string, unknown>,
    opts: PlanResource["opts"] = {},
  ): PlanResource => resourceOf(partition, type, name, props, opts);
  const tableArn = arn("dynamodb", "table/wechat-identities");
  const appTableArn = arn("dynamodb", "table/app-notes");
  const boundary = (name: string) =>
    res("aws:iam/policy:Policy", name, {
      name,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Sid: "DenyIam", Effect: "Deny", Action: ["iam:*"], Resource: ["*"] },
          { Sid: "DenyMappingTable", Effect: "Deny", Action: ["dynamodb:*"], Resource: [tableArn] },
        ],
      }),
    });

  return [
    {
      type: "pulumi:providers:aws",
      name: "default_7_48_0",
      urn: urn("pulumi:providers:aws", "default_7_48_0"),
      props: { region },
      opts: {},
    },
    res(
      "aws:cognito/identityPool:IdentityPool",
      "pool",
      {
        identityPoolName: "wechat_users",
        developerProviderName: "login.wechat",
        allowUnauthenticatedIdentities: true,
        // The pool's id is read from its ARN (an output, known on `pulumi up`).
        arn: arn("cognito-identity", `identitypool/${env.poolId}`),
      },
      IDENTITY_OPTS,
    ),
    // Permissions boundaries of the Cognito roles, customer managed policies of this stack.
    boundary("auth-boundary"),
    boundary("guest-boundary"),
    res("aws:iam/role:Role", "auth-role", {
      // Matched to the role attachment by its ARN (an output, known on `pulumi up`).
      arn: arn("iam", "role/auth-role", ""),
      assumeRolePolicy: JSON.stringify(trust(env, "authenticated")),
      permissionsBoundary: arn("iam", "policy/auth-boundary", ""),
    }),
    res("aws:iam/role:Role", "guest-role", {
      // No ARN recorded: matched to the role attachment by its name.
      name: "guest-role",
      // As an object, the other form the provider accepts.
      assumeRolePolicy: trust(env, "unauthenticated"),
      permissionsBoundary: arn("iam", "policy/guest-boundary", ""),
    }),
    res("aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment", "pool-roles", {
      identityPoolId: env.poolId,
      roles: {
        authenticated: arn("iam", "role/auth-role", ""),
        unauthenticated: arn("iam", "role/guest-role", ""),
      },
    }),
    res("aws:iam/rolePolicy:RolePolicy", "guest-invoke", {
      role: "guest-role",
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: "execute-api:Invoke",
            Resource: arn("execute-api", "a1b2c3d4e5/$default/POST/login/wechat"),
          },
        ],
      }),
    }),
    res("aws:iam/rolePolicy:RolePolicy", "auth-role-data", {
      role: "auth-role",
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            // The app's own table (never the stack's mapping table), per identity.
            Sid: "DynamodbPerIdentity0",
            Effect: "Allow",
            Action: ["dynamodb:GetItem", "dynamodb:Query"],
            Resource: [appTableArn, `${appTableArn}/index/*`],
            Condition: {
              "ForAllValues:StringEquals": {
                "dynamodb:LeadingKeys": [`\${${env.keyPrefix}:sub}`],
              },
            },
          },
        ],
      }),
    }),
    // The WeChat apps' secrets the login function reads (one by name, one by ARN).
    res("aws:secretsmanager/secret:Secret", "wechat-secret", {
      name: "login/wechat-app-secret",
      arn: arn("secretsmanager", "secret:login/wechat-app-secret-Xy12Zw"),
    }),
    res("aws:secretsmanager/secret:Secret", "wechat-secret-web", {
      name: "wechat-app-secret",
      arn: arn("secretsmanager", "secret:wechat-app-secret-AbCdEf"),
    }),
    res("aws:iam/role:Role", "login-fn-role", {
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "lambda.amazonaws.com" },
            Action: "sts:AssumeRole",
          },
        ],
      }),
      inlinePolicies: [
        {
          name: "login",
          policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "Logs",
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: [
                  `${arn("logs", "log-group:/aws/lambda/login")}:log-stream:*`,
                  `${arn("logs", "log-group:/aws/lambda/login")}:*`,
                ],
              },
              {
                Sid: "DevAuth",
                Effect: "Allow",
                Action: "cognito-identity:GetOpenIdTokenForDeveloperIdentity",
                Resource: arn("cognito-identity", `identitypool/${env.poolId}`),
              },
              {
                Sid: "Secret",
                Effect: "Allow",
                Action: "secretsmanager:GetSecretValue",
                Resource: [
                  arn("secretsmanager", "secret:login/wechat-app-secret-??????"),
                  arn("secretsmanager", "secret:wechat-app-secret-AbCdEf"),
                ],
              },
              {
                Sid: "Mapping",
                Effect: "Allow",
                Action: ["dynamodb:GetItem", "dynamodb:PutItem"],
                Resource: tableArn,
              },
            ],
          }),
        },
      ],
    }),
    // A customer managed policy of this stack, attached to the function role: its document is
    // checked by no-wildcard-iam, so the attachment is fine.
    res("aws:iam/policy:Policy", "login-extra", {
      arn: arn("iam", "policy/login-extra", ""),
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "dynamodb:Query", Resource: `${tableArn}/index/*` }],
      }),
    }),
    res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "login-extra-attach", {
      role: "login-fn-role",
      policyArn: arn("iam", "policy/login-extra", ""),
    }),
    res(
      "aws:dynamodb/table:Table",
      "wechat-identities",
      {
        name: "wechat-identities",
        billingMode: "PAY_PER_REQUEST",
        hashKey: "pk",
        attributes: [{ name: "pk", type: "S" }],
        pointInTimeRecovery: { enabled: true },
        deletionProtectionEnabled: true,
        serverSideEncryption: { enabled: true },
      },
      IDENTITY_OPTS,
    ),
    res("aws:cloudwatch/logGroup:LogGroup", "login-logs", {
      name: "/aws/lambda/login",
      retentionInDays: 30,
    }),
    res("aws:lambda/function:Function", "login", {
      // Writes to /aws/lambda/login, the log group above.
      name: "login",
      runtime: "nodejs22.x",
      handler: "index.handler",
      role: arn("iam", "role/login-fn-role", ""),
      environment: {
        variables: {
          IDENTITY_POOL_ID: env.poolId,
          DEVELOPER_PROVIDER_NAME: "login.wechat",
          // The login function's app list (functions/login config): AppIDs and secret ARNs only.
          WECHAT_APPS: JSON.stringify([
            {
              appId: "wx0123456789abcdef",
              kind: "miniprogram",
              secretArn: arn("secretsmanager", "secret:wechat-app-secret-AbCdEf"),
            },
            {
              appId: "wx3c9e0b7d25a4f618",
              kind: "oauth",
              secretArn: arn(
                "secretsmanager",
                "secret:wechat-app-secret/wx3c9e0b7d25a4f618-GhIjKl",
              ),
            },
          ]),
          TABLE_NAME: "wechat-identities",
          TOKEN_DURATION_SECONDS: "900",
        },
      },
    }),
    res("aws:apigatewayv2/api:Api", "login-api", {
      id: "a1b2c3d4e5",
      name: "login",
      protocolType: "HTTP",
    }),
    res("aws:apigatewayv2/stage:Stage", "login-stage", {
      apiId: "a1b2c3d4e5",
      name: "$default",
      autoDeploy: true,
      defaultRouteSettings: { throttlingRateLimit: 40, throttlingBurstLimit: 40 },
      accessLogSettings: {
        destinationArn: arn("logs", "log-group:/aws/apigateway/login-access"),
        format: JSON.stringify({ requestId: "$context.requestId", status: "$context.status" }),
      },
    }),
    res("aws:lambda/permission:Permission", "login-invoke", {
      action: "lambda:InvokeFunction",
      function: "login",
      principal: "apigateway.amazonaws.com",
      sourceArn: arn("execute-api", "a1b2c3d4e5/*/POST/login/wechat"),
    }),
    res("aws:apigatewayv2/route:Route", "login-route", {
      apiId: "a1b2c3d4e5",
      routeKey: "POST /login",
      authorizationType: "AWS_IAM",
    }),
  ];
}

/** The happy stack with one resource's props replaced (or opts changed). */
export function mutate(
  partition: Stack,
  name: string,
  change: (props: Record<string, unknown>) => Record<string, unknown>,
  opts?: PlanResource["opts"],
): PlanResource[] {
  return happyStack(partition).map((r) =>
    r.name === name && !r.type.startsWith("pulumi:providers:")
      ? { ...r, props: change(structuredClone(r.props)), opts: opts ?? r.opts }
      : r,
  );
}

/** The happy stack with the authenticated role's policy 'auth-role-data' holding only `statement`. */
export const withAuthStatement = (partition: Stack, statement: Record<string, unknown>) =>
  runPolicies(
    mutate(partition, "auth-role-data", (props) => ({ ...props, policy: policyOf([statement]) })),
  );

/** The happy stack plus extra resources. */
export const withExtra = (partition: Stack, ...extra: PlanResource[]) => [
  ...happyStack(partition),
  ...extra,
];

/** `resources` with the props of the resource named `name` changed. */
export function edit(
  resources: PlanResource[],
  name: string,
  change: (props: Record<string, unknown>) => Record<string, unknown>,
): PlanResource[] {
  return resources.map((r) => (r.name === name ? { ...r, props: change({ ...r.props }) } : r));
}

/**
 * An ICP-filed custom domain mapped to the API `apiId` (aws.apigatewayv2.DomainName +
 * ApiMapping), as the China stack's login domain is built.
 */
export function customDomain(
  partition: Stack,
  apiId: string,
  domain = "login.example.cn",
  domainTags: Record<string, string> = {},
): PlanResource[] {
  return [
    resourceOf(partition, "aws:apigatewayv2/domainName:DomainName", "login-domain", {
      domainName: domain,
      domainNameConfiguration: {
        certificateArn: arnOf(partition, "acm", "certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"),
        endpointType: "REGIONAL",
        securityPolicy: "TLS_1_2",
      },
      tags: domainTags,
    }),
    resourceOf(partition, "aws:apigatewayv2/apiMapping:ApiMapping", "login-mapping", {
      apiId,
      domainName: domain,
      stage: "$default",
    }),
  ];
}

/** The resource as a plan that did not record its provider. */
export const withoutProvider = (r: PlanResource): PlanResource => ({
  type: r.type,
  name: r.name,
  urn: r.urn,
  props: r.props,
  opts: r.opts,
});

/**
 * Runs one resource rule on one resource as the engine calls it (no runner in between), so a test
 * can hand it the engine's preview proxy. Returns the messages it reports.
 */
export function validateDirectly(
  rule: ResourceValidationPolicy,
  args: { type: string; name: string; props: Record<string, unknown>; opts?: object },
): string[] {
  const messages: string[] = [];
  const validate = rule.validateResource as (
    a: ResourceValidationArgs,
    report: (m: string) => void,
  ) => void;
  validate({ opts: {}, ...args } as unknown as ResourceValidationArgs, (m) => messages.push(m));
  return messages;
}

export const ofPolicy = (violations: Violation[], policy: string) =>
  violations.filter((v) => v.policy === policy);

/** `violations` include one of `policy` whose message contains (or matches) `fragment`. */
export function expectViolation(
  violations: Violation[],
  policy: string,
  fragment: string | RegExp,
) {
  expect(ofPolicy(violations, policy)).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        policy,
        message:
          typeof fragment === "string"
            ? expect.stringContaining(fragment)
            : expect.stringMatching(fragment),
      }),
    ]),
  );
}
