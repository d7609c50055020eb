/** The test IAM evaluator (tests/support/iam.ts) decides as IAM's policy evaluation logic does. */
import { arns, identityVariable, partitionFacts, s3Arn } from "../../core/partition";
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

  it("substitutes policy variables from the request context, literally, and refuses a missing one", () => {
    const sub = `${t.trustConditionKeyPrefix}:sub`;
    const own = `users/${identityVariable(t)}`;
    const perIdentity = doc(
      { Effect: "Allow", Action: "s3:GetObject", Resource: s3Arn(t, "b1", `${own}/*`) },
      {
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: s3Arn(t, "b1"),
        Condition: { StringLike: { "s3:prefix": [`${own}/`, `${own}/*`] } },
      },
    );
    const a = `${region}:0a1b2c3d-0000-4000-8000-00000000000a`;
    const b = `${region}:0a1b2c3d-0000-4000-8000-00000000000b`;
    const get = (key: string, context: AuthorizationRequest["context"]) =>
      evaluate([perIdentity], req("s3:GetObject", s3Arn(t, "b1", key), context)).allowed;
    expect(get(`users/${a}/photo.jpg`, { [sub]: a })).toBe(true);
    expect(get(`users/${b}/photo.jpg`, { [sub]: a })).toBe(false);
    expect(() => get(`users/${a}/photo.jpg`, {})).toThrow("not modelled");
    // A value holding a wildcard would widen the pattern: refused, never matched.
    expect(() => get(`users/${a}/photo.jpg`, { [sub]: `${region}:*` })).toThrow("not modelled");
    const list = (prefix: string) =>
      evaluate(
        [perIdentity],
        req("s3:ListBucket", s3Arn(t, "b1"), { [sub]: a, "s3:prefix": prefix }),
      ).allowed;
    expect(list(`users/${a}/`)).toBe(true);
    expect(list(`users/${a}/2026/`)).toBe(true);
    expect(list(`users/${b}/`)).toBe(false);
    expect(list("users/")).toBe(false);
  });

  it("caps a decision by session policies: their Allow is needed and their Deny wins", () => {
    const session = doc({ Effect: "Allow", Action: ["polly:*"], Resource: "*" });
    const speak = doc({ Effect: "Allow", Action: "polly:SynthesizeSpeech", Resource: "*" });
    const both = [speak, allow];
    expect(evaluate(both, req("polly:SynthesizeSpeech", "*"), undefined, [session]).allowed).toBe(
      true,
    );
    expect(evaluate(both, req("dynamodb:Query", index)).allowed).toBe(true);
    expect(evaluate(both, req("dynamodb:Query", index), undefined, [session]).allowed).toBe(false);
    expect(evaluate(both, req("dynamodb:Query", index), allow, [session, allow]).allowed).toBe(
      true,
    );
    const deny = doc({ Effect: "Deny", Action: "polly:*", Resource: "*" });
    expect(
      evaluate(both, req("polly:SynthesizeSpeech", "*"), undefined, [session, deny]),
    ).toMatchObject({ allowed: false, denied: true });
  });
});
