import { synthesize, type Synthesis } from "../../scripts/synth";
import { STACKS, committed, one, ofType, strings } from "../support/stacks";

const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const FUNCTION = "aws:lambda/function:Function";

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
}
const doc = (value: unknown) => JSON.parse(String(value)) as { Statement: Statement[] };
const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

function arnOf(synth: Synthesis, type: string, name?: string): string {
  const r = synth.resources.find((x) => x.type === type && (name === undefined || x.name === name));
  return String(r?.state.arn);
}

describe.each(STACKS)("login API in $stack", ({ stack, partition, region }) => {
  it("grants the function exactly its log group, the table, the pool and the AppSecret", async () => {
    const synth = await committed(stack);
    const policy = doc(one(synth, ROLE_POLICY, "wechat-login-function").inputs.policy);
    const logGroup = arnOf(synth, "aws:cloudwatch/logGroup:LogGroup", "wechat-login-function-logs");
    expect(
      policy.Statement.map(({ Action, Resource }) => ({ Action, Resource: list(Resource) })),
    ).toEqual([
      {
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [`${logGroup}:log-stream:*`],
      },
      {
        Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
        Resource: [arnOf(synth, "aws:dynamodb/table:Table")],
      },
      // No index Query: a public login route (loginAuth none) names no guest to upgrade.
      {
        // userKey unionid: MergeDeveloperIdentities for the unionid migration.
        Action: [
          "cognito-identity:GetOpenIdTokenForDeveloperIdentity",
          "cognito-identity:MergeDeveloperIdentities",
        ],
        Resource: [arnOf(synth, "aws:cognito/identityPool:IdentityPool")],
      },
      {
        // Each app's secret by name (tests/infra/wechatApps.test.ts covers every app).
        Action: "secretsmanager:GetSecretValue",
        Resource: expect.arrayContaining([
          `arn:${partition}:secretsmanager:${region}:${synth.accountId}:secret:cognito-devauth-${stack}/wechat-app-secret-??????`,
        ]),
      },
    ]);
  });

  it("grants the AppSecret by name with exactly the six characters Secrets Manager appends", async () => {
    const synth = await committed(stack);
    const policy = doc(one(synth, ROLE_POLICY, "wechat-login-function").inputs.policy);
    const patterns = list(
      policy.Statement.find((s) => s.Action === "secretsmanager:GetSecretValue")?.Resource ?? [],
    ).map(
      (pattern) =>
        new RegExp(`^${pattern.replace(/[.*+^${}()|[\]\\/]/g, "\\$&").replace(/\?/g, ".")}$`),
    );
    const secrets = ofType(synth, "aws:secretsmanager/secret:Secret");
    expect(patterns).toHaveLength(secrets.length);
    // Each pattern matches exactly its own secret: no other, and nothing longer.
    secrets.forEach((secret, i) => {
      const secretArn = String(secret.state.arn);
      expect(patterns.map((p) => p.test(secretArn))).toEqual(patterns.map((_, j) => j === i));
      expect(patterns.some((p) => p.test(`${secretArn}x`))).toBe(false);
    });
  });

  it("has no wildcard action or resource in any IAM permission", async () => {
    const synth = await committed(stack);
    // The function's and the login route's policies (the app's grants are tests/infra/roles.test.ts').
    for (const rp of ofType(synth, ROLE_POLICY).filter((p) => p.name.startsWith("wechat-login"))) {
      for (const s of doc(rp.inputs.policy).Statement) {
        for (const action of list(s.Action)) expect(action).not.toMatch(/^\*$|:\*$/);
        for (const resource of list(s.Resource)) {
          expect(resource).not.toBe("*");
          expect(resource).toMatch(
            new RegExp(`^arn:${partition}:[a-z-]+:${region}:${synth.accountId}:`),
          );
        }
      }
    }
  });

  it("lets only Lambda assume the execution role", async () => {
    const synth = await committed(stack);
    expect(doc(one(synth, ROLE, "wechat-login-function").inputs.assumeRolePolicy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "lambda.amazonaws.com" },
          Action: "sts:AssumeRole",
        },
      ],
    });
  });

  it("runs the bundled function on nodejs22.x with the secrets' ARNs, never their values", async () => {
    const synth = await committed(stack);
    const fn = one(synth, FUNCTION, "wechat-login-function");
    expect(fn.inputs).toMatchObject({
      runtime: "nodejs22.x",
      handler: "index.handler",
      memorySize: 256,
      timeout: 10,
      code: { assets: { "index.js": { asset: "text", bytes: expect.any(Number) } } },
    });
    const env = (fn.inputs.environment as { variables: Record<string, string> }).variables;
    expect(env).toEqual({
      IDENTITY_POOL_ID: synth.outputs.identityPoolId,
      DEVELOPER_PROVIDER_NAME: "login.wechat.myapp",
      TOKEN_DURATION_SECONDS: "900",
      LOGINS_KEY: synth.outputs.loginsKey,
      TABLE_NAME: synth.outputs.tableName,
      // The apps, JSON (tests/infra/wechatApps.test.ts checks every entry of both stacks).
      WECHAT_APPS: expect.any(String),
      USER_KEY: "unionid",
      POWERTOOLS_SERVICE_NAME: "wechat-login",
      POWERTOOLS_LOG_LEVEL: "INFO",
      // The `stack` dimension the alarms select on (infra/monitoring.ts).
      METRICS_STACK: stack,
    });
    // The mini-program of `wechat` comes first, with its secret's full ARN.
    expect(JSON.parse(env.WECHAT_APPS ?? "")[0]).toEqual({
      appId: "wx8f3a61c2d94be705",
      kind: "miniprogram",
      secretArn: arnOf(synth, "aws:secretsmanager/secret:Secret", "wechat-login-wechat-secret"),
    });
  });

  it("throttles the stage below the Cognito quota and writes access logs", async () => {
    const synth = await committed(stack);
    const [stage] = ofType(synth, "aws:apigatewayv2/stage:Stage");
    expect(stage?.inputs).toMatchObject({
      name: "$default",
      autoDeploy: true,
      defaultRouteSettings: { throttlingRateLimit: 40, throttlingBurstLimit: 40 },
      accessLogSettings: {
        destinationArn: arnOf(
          synth,
          "aws:cloudwatch/logGroup:LogGroup",
          "wechat-login-access-logs",
        ),
      },
    });
  });

  it("keeps every log group for a bounded time", async () => {
    const synth = await committed(stack);
    const groups = ofType(synth, "aws:cloudwatch/logGroup:LogGroup");
    // Login function, access logs, account-deletion function.
    expect(groups.map((g) => g.inputs.retentionInDays)).toEqual([30, 30, 30]);
    expect(groups.map((g) => g.inputs.name)).toContain(
      `/aws/lambda/cognito-devauth-${stack}-login`,
    );
  });

  it("lets only this API's login route invoke the function", async () => {
    const synth = await committed(stack);
    const permission = one(synth, "aws:lambda/permission:Permission", "wechat-login-invoke");
    const [api] = ofType(synth, "aws:apigatewayv2/api:Api");
    expect(permission?.inputs).toEqual({
      action: "lambda:InvokeFunction",
      function: `cognito-devauth-${stack}-login`,
      principal: "apigateway.amazonaws.com",
      sourceArn: `${String(api?.state.executionArn)}/*/POST/login/wechat`,
    });
  });
});

/** No guest grant: the login function's policy, and the account route's (tests/infra/accountApi). */
const LOGIN_AND_ACCOUNT_POLICIES = [
  "account-authenticated-invoke",
  "account-function",
  "wechat-login-function",
];

describe("route authorization", () => {
  it("serves a public route in the global stack and grants guests nothing", async () => {
    const synth = await committed("dev");
    const route = one(synth, "aws:apigatewayv2/route:Route", "wechat-login-login");
    expect(route?.inputs).toMatchObject({
      routeKey: "POST /login/wechat",
      authorizationType: "NONE",
    });
    expect(
      ofType(synth, ROLE_POLICY)
        .map((p) => p.name)
        .filter((n) => !n.startsWith("identity-authenticated"))
        .sort(),
    ).toEqual(LOGIN_AND_ACCOUNT_POLICIES);
  });

  it("requires SigV4 in China with loginAuth iam and lets the pool's guests invoke exactly the login routes", async () => {
    // The committed China stack is the public ICP route; the no-ICP option is one override away.
    const synth = await synthesize("cn-north-1", { loginAuth: "iam" });
    for (const [name, routeKey] of [
      ["wechat-login-login", "POST /login/wechat"],
      ["wechat-login-login-oauth", "POST /login/wechat/oauth"],
    ]) {
      expect(one(synth, "aws:apigatewayv2/route:Route", name ?? "").inputs).toMatchObject({
        routeKey,
        authorizationType: "AWS_IAM",
      });
    }
    // A signed route names the guest a login upgrades: the function may query the index for it.
    const fn = doc(one(synth, ROLE_POLICY, "wechat-login-function").inputs.policy);
    expect(fn.Statement.filter((s) => s.Action === "dynamodb:Query")).toEqual([
      expect.objectContaining({
        Resource: `${arnOf(synth, "aws:dynamodb/table:Table")}/index/byIdentityId`,
      }),
    ]);
    const invoke = one(synth, ROLE_POLICY, "wechat-login-guest-invoke");
    const guest = one(synth, ROLE, "identity-guest");
    expect(invoke.inputs.role).toBe(guest.state.id ?? guest.state.name);
    const [stage] = ofType(synth, "aws:apigatewayv2/stage:Stage");
    expect(doc(invoke.inputs.policy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: "execute-api:Invoke",
          Resource: [
            `${String(stage?.state.executionArn)}/POST/login/wechat`,
            `${String(stage?.state.executionArn)}/POST/login/wechat/oauth`,
          ],
        },
      ],
    });
  });

  it("tags a public China API with its ICP filing when one is configured", async () => {
    const synth = await synthesize("cn-north-1", {
      loginAuth: "none",
      icpFilingNumber: "京ICP备12345678号",
    });
    const [api] = ofType(synth, "aws:apigatewayv2/api:Api");
    expect((api?.inputs.tags as Record<string, string>)["icp-filing"]).toBe("京ICP备12345678号");
    const route = one(synth, "aws:apigatewayv2/route:Route", "wechat-login-login");
    expect(route?.inputs.authorizationType).toBe("NONE");
    expect(
      ofType(synth, ROLE_POLICY)
        .map((p) => p.name)
        .filter((n) => !n.startsWith("identity-authenticated"))
        .sort(),
    ).toEqual(LOGIN_AND_ACCOUNT_POLICIES);
  });
});

describe("secrets", () => {
  it("stores each AppSecret only as a secret in Secrets Manager", async () => {
    const appSecret = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
    const oauthSecret = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
    const synth = await synthesize("dev", {
      wechat: JSON.stringify({ appId: "wx8f3a61c2d94be705", appSecret }),
      wechatApps: JSON.stringify([
        { appId: "wx3c9e0b7d25a4f618", kind: "oauth", appSecret: oauthSecret },
      ]),
    });
    expect(synth.placeholders).toEqual([]);
    const everything = strings([synth.resources, synth.outputs]);
    expect(everything.filter((s) => s.includes(appSecret) || s.includes(oauthSecret))).toEqual([]);
    const versions = ofType(synth, "aws:secretsmanager/secretVersion:SecretVersion");
    expect(versions.map((v) => v.inputs.secretString)).toEqual(["[secret]", "[secret]"]);
  });
});

describe("basic flow", () => {
  it("gives the function the authenticated role and the credentials lifetime", async () => {
    const synth = await synthesize("dev", {
      loginFlow: "basic",
      credentialsDurationSeconds: "1800",
    });
    const env = (
      one(synth, FUNCTION, "wechat-login-function").inputs.environment as {
        variables: Record<string, string>;
      }
    ).variables;
    expect(env.AUTHENTICATED_ROLE_ARN).toBe(one(synth, ROLE, "identity-authenticated").state.arn);
    expect(env.CREDENTIALS_DURATION_SECONDS).toBe("1800");
  });
});
