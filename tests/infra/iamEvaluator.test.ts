/** The test IAM evaluator (tests/support/iam.ts) decides as IAM's policy evaluation logic does. */
import { arns, partitionFacts } from "../../core/partition";
import { evaluate, type AuthorizationRequest, type Document, type Statement } from "../support/iam";
import { STACKS } from "../support/stacks";

describe.each(STACKS)("the test IAM evaluator in $partition", ({ partition, region }) => {
  const t = { ...partitionFacts(partition, region), accountId: "528715093461" };
  const table = arns.table(t, "users");
  const index = `${table}/index/byIdentityId`;
  const req = (
    action: string,
    resource: string,
    context: AuthorizationRequest["context"] = {},
  ): AuthorizationRequest => ({ action, resource, context });
  const doc = (...Statement: Statement[]): Document => ({ Statement });
  const allow = doc({ Effect: "Allow", Action: ["dynamodb:Query"], Resource: index });

  it("allows only the exact action and resource: an index grant is not the table's", () => {
    expect(evaluate([allow], req("dynamodb:Query", index)).allowed).toBe(true);
    expect(evaluate([allow], req("DynamoDB:query", index)).allowed).toBe(true);
    expect(evaluate([allow], req("dynamodb:Query", table)).allowed).toBe(false);
    expect(evaluate([allow], req("dynamodb:Scan", index)).allowed).toBe(false);
    expect(evaluate([], req("dynamodb:Query", index)).allowed).toBe(false);
  });

  it("matches `?` as exactly one character and `*` as any run (a secret's random suffix)", () => {
    const secret = doc({
      Effect: "Allow",
      Action: "secretsmanager:GetSecretValue",
      Resource: `${arns.secretByName(t, "p/wechat")}`,
    });
    const arn = (suffix: string) => `${arns.secretByName(t, "p/wechat").slice(0, -7)}${suffix}`;
    expect(evaluate([secret], req("secretsmanager:GetSecretValue", arn("-AbCdEf"))).allowed).toBe(
      true,
    );
    expect(evaluate([secret], req("secretsmanager:GetSecretValue", arn(""))).allowed).toBe(false);
    expect(evaluate([secret], req("secretsmanager:GetSecretValue", arn("-AbCdEfG"))).allowed).toBe(
      false,
    );
    const logs = doc({ Effect: "Allow", Action: "logs:*", Resource: `${table}*` });
    expect(evaluate([logs], req("logs:PutLogEvents", `${table}/x`)).allowed).toBe(true);
  });

  it("lets an explicit Deny win, in the policies or the boundary, and needs the boundary's Allow", () => {
    const deny = doc({ Effect: "Deny", NotAction: "dynamodb:GetItem", Resource: "*" });
    expect(evaluate([allow, deny], req("dynamodb:Query", index))).toMatchObject({
      allowed: false,
      denied: true,
    });
    expect(evaluate([allow], req("dynamodb:Query", index), deny).allowed).toBe(false);
    const other = doc({ Effect: "Allow", Action: "dynamodb:GetItem", NotResource: index });
    expect(evaluate([allow], req("dynamodb:Query", index), other).allowed).toBe(false);
    expect(evaluate([allow], req("dynamodb:Query", index), allow).allowed).toBe(true);
  });

  it("checks conditions, and refuses to guess a key the request does not carry", () => {
    const pool = arns.identityPool(t, `${region}:4f1c2b3a-5d6e-4f70-8a9b-0c1d2e3f4a5b`);
    const scoped = doc({
      Effect: "Allow",
      Action: "cognito-identity:DeleteIdentities",
      Resource: "*",
      Condition: { StringEquals: { "cognito-identity:IdentityPoolArn": pool } },
    });
    const del = (context: AuthorizationRequest["context"]) =>
      evaluate([scoped], req("cognito-identity:DeleteIdentities", "*", context)).allowed;
    expect(del({ "Cognito-Identity:IdentityPoolArn": pool })).toBe(true);
    expect(del({ "cognito-identity:IdentityPoolArn": `${pool}0` })).toBe(false);
    expect(() => del({})).toThrow("cognito-identity:IdentityPoolArn");
    const leading = doc({
      Effect: "Allow",
      Action: "dynamodb:GetItem",
      Resource: table,
      Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["user#*"] } },
    });
    const get = (keys: string[]) =>
      evaluate([leading], req("dynamodb:GetItem", table, { "dynamodb:LeadingKeys": keys })).allowed;
    expect(get(["user#1"])).toBe(true);
    expect(get(["user#1", "rate#2"])).toBe(false);
    const unknown = doc({
      Effect: "Allow",
      Action: "dynamodb:Query",
      Resource: index,
      Condition: { DateLessThan: { "aws:CurrentTime": "2027-01-01T00:00:00Z" } },
    });
    expect(() => evaluate([unknown], req("dynamodb:Query", index))).toThrow("not modelled");
  });
});
