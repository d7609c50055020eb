import { arns, partitionFacts } from "../../core/partition";
import { deleteIdentitiesOfPool } from "../../infra/iam/account";
import { runPolicies } from "../../policies/rules/run";
import { policyInputs } from "../../scripts/plan";
import { synthesize, type Synthesis } from "../../scripts/synth";
import {
  evaluate,
  type AuthorizationRequest,
  type Statement as IamStatement,
} from "../support/iam";
import { STACKS, committed, one, ofType } from "../support/stacks";

const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string>>;
}
/** The login API's id, as the login route names it. */
const apiIdOf = (synth: Synthesis) =>
  String(
    ofType(synth, "aws:apigatewayv2/route:Route").find(
      (r) => r.inputs.routeKey === "POST /login/wechat",
    )?.inputs.apiId,
  );
const doc = (value: unknown) => JSON.parse(String(value)) as { Statement: Statement[] };

describe.each(STACKS)("account deletion route in $stack", ({ stack, partition, region }) => {
  it("is DELETE /account on the login API, authorized by SigV4 only", async () => {
    const synth = await committed(stack);
    const routes = ofType(synth, "aws:apigatewayv2/route:Route");
    const route = routes.find((r) => r.inputs.routeKey === "DELETE /account");
    expect(route?.inputs.authorizationType).toBe("AWS_IAM");
    expect(ofType(synth, "aws:apigatewayv2/api:Api")).toHaveLength(1);
    expect(route?.inputs.apiId).toBe(apiIdOf(synth));
  });

  it("grants the function exactly its logs, the index Query, DeleteItem and three Cognito actions", async () => {
    const synth = await committed(stack);
    const policy = doc(one(synth, ROLE_POLICY, "account-function").inputs.policy);
    const table = String(ofType(synth, "aws:dynamodb/table:Table")[0]?.state.arn);
    const pool = String(ofType(synth, "aws:cognito/identityPool:IdentityPool")[0]?.state.arn);
    const logs = `arn:${partition}:logs:${region}:${synth.accountId}:log-group:/aws/lambda/cognito-devauth-${stack}-account`;
    expect(
      policy.Statement.map(({ Effect, Action, Resource }) => ({ Effect, Action, Resource })),
    ).toEqual([
      {
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: `${logs}:log-stream:*`,
      },
      { Effect: "Allow", Action: "dynamodb:Query", Resource: `${table}/index/byIdentityId` },
      { Effect: "Allow", Action: "dynamodb:DeleteItem", Resource: table },
      {
        Effect: "Allow",
        Action: [
          "cognito-identity:LookupDeveloperIdentity",
          "cognito-identity:UnlinkDeveloperIdentity",
        ],
        Resource: pool,
      },
      // No resource type: `*`, pinned to the pool by its condition key (docs/cognito.md).
      { Effect: "Allow", Action: "cognito-identity:DeleteIdentities", Resource: "*" },
    ]);
    expect(policy.Statement.at(-1)?.Condition).toEqual({
      StringEquals: { "cognito-identity:IdentityPoolArn": pool },
    });
  });

  it("scopes DeleteIdentities with StringEqualsIfExists only with accountDeletionPoolCondition if-present (aws-cn)", async () => {
    if (partition === "aws") {
      await expect(
        synthesize(stack, { accountDeletionPoolCondition: "if-present" }),
      ).rejects.toThrow(/accountDeletionPoolCondition: 'if-present' is for partitions/);
      return;
    }
    const synth = await synthesize(stack, { accountDeletionPoolCondition: "if-present" });
    const policy = doc(one(synth, ROLE_POLICY, "account-function").inputs.policy);
    const pool = String(ofType(synth, "aws:cognito/identityPool:IdentityPool")[0]?.state.arn);
    expect(policy.Statement.at(-1)).toMatchObject({
      Action: "cognito-identity:DeleteIdentities",
      Resource: "*",
      Condition: { StringEqualsIfExists: { "cognito-identity:IdentityPoolArn": pool } },
    });
    // The pack accepts that form in aws-cn (no-wildcard-iam).
    expect(runPolicies(policyInputs(synth))).toEqual([]);
  });

  it("lets the authenticated role invoke exactly this route and stage, nothing else", async () => {
    const synth = await committed(stack);
    const grant = one(synth, ROLE_POLICY, "account-authenticated-invoke");
    const role = ofType(synth, "aws:iam/role:Role").find((r) =>
      String(r.inputs.assumeRolePolicy).includes('"authenticated"'),
    );
    expect(grant.inputs.role).toBe(role?.inputs.name);
    const api = apiIdOf(synth);
    expect(doc(grant.inputs.policy).Statement).toEqual([
      {
        Effect: "Allow",
        Action: "execute-api:Invoke",
        Resource: `arn:${partition}:execute-api:${region}:${synth.accountId}:${api}/$default/DELETE/account`,
      },
    ]);
  });

  it("lets API Gateway invoke the function from this route only, and exports the route's URL", async () => {
    const synth = await committed(stack);
    const permission = one(synth, "aws:lambda/permission:Permission", "account-invoke");
    const api = apiIdOf(synth);
    expect(permission.inputs.sourceArn).toBe(
      `arn:${partition}:execute-api:${region}:${synth.accountId}:${api}/*/DELETE/account`,
    );
    const outputs = synth.outputs as Record<string, unknown>;
    expect(String(outputs["accountUrl"])).toMatch(/^https:\/\/[^/]+\/account$/);
    expect(new URL(String(outputs["accountUrl"])).host).toBe(
      new URL(String(outputs["loginUrl"])).host,
    );
  });

  it("gives the function no secret and no WeChat setting", async () => {
    const synth = await committed(stack);
    const fn = one(synth, "aws:lambda/function:Function", "account-function");
    const vars = (fn.inputs.environment as { variables: Record<string, unknown> }).variables;
    expect(Object.keys(vars).sort()).toEqual([
      "DEVELOPER_PROVIDER_NAME",
      "IDENTITY_POOL_ID",
      "POWERTOOLS_LOG_LEVEL",
      "POWERTOOLS_SERVICE_NAME",
      "TABLE_NAME",
    ]);
    expect(fn.inputs.runtime).toBe("nodejs22.x");
  });
});

describe.each(STACKS)(
  "the DeleteIdentities grant's pool condition in $stack",
  ({ partition, region }) => {
    const t = { ...partitionFacts(partition, region), accountId: "528715093461" };
    const pool = arns.identityPool(t, `${region}:4f1c2b3a-5d6e-4f70-8a9b-0c1d2e3f4a5b`);
    const other = arns.identityPool(t, `${region}:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d`);
    const allowed = (statement: IamStatement, context: AuthorizationRequest["context"]) =>
      evaluate([{ Statement: [statement] }], {
        action: "cognito-identity:DeleteIdentities",
        resource: "*",
        context,
      }).allowed;

    it("pinned: only a request carrying this pool's ARN in the key", () => {
      const pinned = deleteIdentitiesOfPool(pool);
      expect(allowed(pinned, { "cognito-identity:IdentityPoolArn": pool })).toBe(true);
      expect(allowed(pinned, { "cognito-identity:IdentityPoolArn": other })).toBe(false);
      // Without the key IAM denies StringEquals; the evaluator refuses to guess it.
      expect(() => allowed(pinned, {})).toThrow("cognito-identity:IdentityPoolArn");
    });

    it("if-present: still pinned where the key is set, allowed where a request lacks it", () => {
      const ifPresent = deleteIdentitiesOfPool(pool, "if-present");
      expect(allowed(ifPresent, { "cognito-identity:IdentityPoolArn": pool })).toBe(true);
      expect(allowed(ifPresent, { "cognito-identity:IdentityPoolArn": other })).toBe(false);
      expect(allowed(ifPresent, {})).toBe(true);
    });
  },
);
