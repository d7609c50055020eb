/**
 * The Cognito roles with app grants: boundaries, the login route for signing guests, principal
 * tags, and broken grants the plan must catch with a clear message. Every test runs against both
 * committed stacks.
 */
import { policyInputs } from "../../scripts/plan";
import { runPolicies } from "../../policies/rules/run";
import { synthesize, type Synthesis } from "../../scripts/synth";
import { STACKS, committed, one, ofType } from "../support/stacks";

const ROLE = "aws:iam/role:Role";
const POLICY = "aws:iam/policy:Policy";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const TABLE = "aws:dynamodb/table:Table";

interface Doc {
  Statement: {
    Sid?: string;
    Effect: string;
    Action: string | string[];
    Resource: string | string[];
    Condition?: unknown;
  }[];
}
const doc = (v: unknown) => JSON.parse(String(v)) as Doc;
const list = (v: string | string[]) => [v].flat();
const grants = (g: object) => ({ grants: JSON.stringify(g) });
const violations = (synth: Synthesis) => runPolicies(policyInputs(synth));

describe.each(STACKS)("Cognito roles in $stack", ({ stack, partition }) => {
  it("gives each role a permissions boundary of the stack that denies the stack's own resources", async () => {
    const synth = await committed(stack);
    const role = one(synth, ROLE, "identity-authenticated");
    const boundary = one(synth, POLICY, "identity-authenticated-boundary");
    expect(role.inputs.permissionsBoundary).toBe(
      `arn:${partition}:iam::${synth.accountId}:policy/${String(boundary.inputs.name)}`,
    );
    const statements = doc(boundary.inputs.policy).Statement;
    const denied = (sid: string) => statements.find((s) => s.Sid === sid);
    expect(denied("DenyIam")).toMatchObject({ Effect: "Deny", Action: ["iam:*"] });
    expect(denied("DenyRoleChaining")?.Action).toContain("sts:AssumeRole");
    expect(denied("DenyCognitoIdentityAdmin")?.Action).toEqual(["cognito-identity:*"]);
    const tableArn = String(ofType(synth, TABLE)[0]?.state.arn);
    expect(denied("DenyMappingTable")?.Resource).toEqual([tableArn, `${tableArn}/*`]);
    // Every WeChat app's secret (each committed stack has a mini-program and an OAuth app).
    expect(list(denied("DenyAppSecrets")?.Resource ?? [])).toEqual(
      ofType(synth, "aws:secretsmanager/secret:Secret").map((s) => String(s.state.arn)),
    );
    expect(list(denied("DenyAppSecrets")?.Resource ?? [])).toHaveLength(2);
    expect(list(denied("DenyLoginFunctions")?.Resource ?? [])[0]).toMatch(
      new RegExp(`^arn:${partition}:lambda:.*:function:cognito-devauth-${stack}-login$`),
    );
    // The account function is denied as well as the login function.
    expect(list(denied("DenyLoginFunctions")?.Resource ?? [])).toContainEqual(
      expect.stringMatching(new RegExp(`:function:cognito-devauth-${stack}-account$`)),
    );
    // The stack's log groups: the functions' and the API's access logs (callers' IP addresses).
    const groups = ofType(synth, "aws:cloudwatch/logGroup:LogGroup").map((g) =>
      String(g.state.arn),
    );
    expect(groups).toHaveLength(3);
    expect(denied("DenyStackLogs")).toMatchObject({ Effect: "Deny", Action: ["logs:*"] });
    expect([...list(denied("DenyStackLogs")?.Resource ?? [])].sort()).toEqual(
      groups.flatMap((g) => [g, `${g}:*`]).sort(),
    );
    // Allow: exactly what the role's policies grant (its grants, and the account route).
    const granted = doc(one(synth, ROLE_POLICY, "identity-authenticated-grants").inputs.policy);
    const route = doc(one(synth, ROLE_POLICY, "account-authenticated-invoke").inputs.policy);
    const allowed = statements.filter((s) => s.Effect === "Allow");
    expect(allowed.map(({ Sid: _, ...s }) => s)).toEqual(
      [...granted.Statement, ...route.Statement].map(({ Sid: _, ...s }) => s),
    );
  });

  it("plans with zero violations, grants included", async () => {
    expect(violations(await committed(stack))).toEqual([]);
  });

  it("lists the granted buckets and tables in the grants output", async () => {
    const synth = await committed(stack);
    const out = synth.outputs.grants as { storage: { bucket: string; perIdentity: boolean }[] };
    expect(out.storage).toContainEqual(
      expect.objectContaining({ bucket: `myapp-user-files-${stack}`, perIdentity: true }),
    );
  });
});

describe("guests, the login route and principal tags", () => {
  it("lets signing guests invoke exactly the login routes, in the policy and the boundary", async () => {
    const synth = await synthesize("cn-north-1", { loginAuth: "iam" });
    const invoke = one(synth, ROLE_POLICY, "wechat-login-guest-invoke");
    const route = doc(invoke.inputs.policy).Statement[0]?.Resource;
    // The mini-program route and the OAuth route of the China stack's mobile app, nothing else.
    expect(route).toEqual([
      expect.stringMatching(
        /:execute-api:cn-north-1:\d{12}:[a-z0-9]+\/\$default\/POST\/login\/wechat$/,
      ),
      expect.stringMatching(
        /:execute-api:cn-north-1:\d{12}:[a-z0-9]+\/\$default\/POST\/login\/wechat\/oauth$/,
      ),
    ]);
    const boundary = doc(one(synth, POLICY, "identity-guest-boundary").inputs.policy);
    expect(boundary.Statement.filter((s) => s.Effect === "Allow")).toEqual([
      expect.objectContaining({ Action: "execute-api:Invoke", Resource: route }),
    ]);
    expect(violations(synth)).toEqual([]);
  });

  it.each(STACKS)("allows sts:TagSession in $stack only with principalTags", async ({ stack }) => {
    const synth = await synthesize(stack, { principalTags: "true" });
    const trust = doc(one(synth, ROLE, "identity-authenticated").inputs.assumeRolePolicy);
    expect(trust.Statement[0]?.Action).toEqual(["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]);
    const fn = one(synth, "aws:lambda/function:Function", "wechat-login-function");
    expect(
      (fn.inputs.environment as { variables: Record<string, string> }).variables.PRINCIPAL_TAGS,
    ).toBe("true");
    expect(violations(synth)).toEqual([]);
  });
});

describe.each(STACKS)("broken grants in $stack are caught by the plan", ({ stack, partition }) => {
  const other = partition === "aws" ? "aws-cn" : "aws";
  const planWith = async (statements: object[]) =>
    violations(
      await synthesize(stack, grants({ authenticated: [{ type: "statements", statements }] })),
    );

  it("a bucket-wide grant named per identity", async () => {
    const v = await planWith([
      {
        Sid: "S3PerIdentityAll",
        Effect: "Allow",
        Action: ["s3:GetObject"],
        Resource: `arn:${partition}:s3:::myapp-user-files/users/*`,
      },
    ]);
    expect(v).toContainEqual(
      expect.objectContaining({
        policy: "per-identity-grants",
        message: expect.stringContaining("every identity reaches every other identity's objects"),
      }),
    );
  });

  it("a wildcard", async () => {
    const v = await planWith([
      { Effect: "Allow", Action: "s3:*", Resource: `arn:${partition}:s3:::b1/x/*` },
    ]);
    expect(v.map((x) => x.policy)).toContain("no-wildcard-iam");
  });

  it("an ARN of the wrong partition", async () => {
    const v = await planWith([
      { Effect: "Allow", Action: "s3:GetObject", Resource: `arn:${other}:s3:::b1/x/*` },
    ]);
    expect(v.map((x) => x.policy)).toContain("arn-partition");
  });

  it("app roles reaching the mapping table or minting tokens", async () => {
    const synth = await committed(stack);
    const tableArn = String(ofType(synth, TABLE)[0]?.state.arn);
    const v = await planWith([
      { Effect: "Allow", Action: "dynamodb:GetItem", Resource: tableArn },
      {
        Effect: "Allow",
        Action: "cognito-identity:GetOpenIdTokenForDeveloperIdentity",
        Resource: `arn:${partition}:cognito-identity:${synth.region}:${synth.accountId}:identitypool/${String(synth.outputs.identityPoolId)}`,
      },
    ]);
    const mine = v.filter((x) => x.policy === "cognito-roles-no-identity-admin");
    expect(mine.map((x) => x.message)).toEqual([
      expect.stringContaining("DynamoDB access to the stack's table"),
      expect.stringContaining("cognito-identity:GetOpenIdTokenForDeveloperIdentity"),
    ]);
  });
});
