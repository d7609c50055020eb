import { partitionFacts, type DeployTarget } from "../../core/partition";
import { cognitoRoleBoundary } from "../../infra/iam/boundary";
import { describeGrant, grantsPolicy, grantStatements, type Grant } from "../../infra/iam/grants";
import { STACKS } from "../support/stacks";

const targets: [string, DeployTarget][] = STACKS.map((s) => [
  s.stack,
  { ...partitionFacts(s.partition, s.region), accountId: "491632840957" },
]);

describe.each(targets)("grants in the %s stack", (_stack, t) => {
  const sub = "${" + "cognito-identity.amazonaws.com:sub}";

  it("gives each identity its own S3 folder and lists only that folder", () => {
    const [objects, list] = grantStatements(
      { type: "s3PerIdentity", bucket: "myapp-user-files", prefix: "users", access: "read-write" },
      t,
      0,
    );
    expect(objects).toMatchObject({
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      Resource: `arn:${t.partition}:s3:::myapp-user-files/users/${sub}/*`,
    });
    expect(list).toMatchObject({
      Action: "s3:ListBucket",
      Resource: `arn:${t.partition}:s3:::myapp-user-files`,
      Condition: { StringLike: { "s3:prefix": [`users/${sub}/`, `users/${sub}/*`] } },
    });
  });

  it("grants write-only folders without listing", () => {
    const statements = grantStatements(
      { type: "s3PerIdentity", bucket: "b-uploads", prefix: "in/box", access: "write" },
      t,
      1,
    );
    expect(statements).toHaveLength(1);
    expect(statements[0]?.Action).toEqual(["s3:PutObject", "s3:DeleteObject"]);
  });

  it("shares a read-only prefix with every identity of the role", () => {
    const [objects, list] = grantStatements(
      { type: "s3SharedRead", bucket: "myapp-assets", prefix: "public" },
      t,
      0,
    );
    expect(objects?.Resource).toBe(`arn:${t.partition}:s3:::myapp-assets/public/*`);
    expect(objects?.Action).toBe("s3:GetObject");
    expect(list?.Condition).toEqual({ StringLike: { "s3:prefix": ["public/", "public/*"] } });
  });

  it("limits DynamoDB items to those whose partition key is the caller's IdentityId", () => {
    const [statement] = grantStatements(
      { type: "dynamodbPerIdentity", table: "myapp-notes", access: "read" },
      t,
      0,
    );
    expect(statement).toMatchObject({
      Resource: `arn:${t.partition}:dynamodb:${t.region}:491632840957:table/myapp-notes`,
      Condition: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": [sub] } },
    });
  });

  it("invokes exactly one route of the app's own API", () => {
    const [statement] = grantStatements(
      { type: "apiInvoke", apiId: "a1b2c3d4e5", stage: "prod", method: "get", path: "/orders" },
      t,
      0,
    );
    expect(statement?.Resource).toBe(
      `arn:${t.partition}:execute-api:${t.region}:491632840957:a1b2c3d4e5/prod/GET/orders`,
    );
  });

  it("uses the stack's condition-key prefix for the identity variable (China override)", () => {
    const cn = { ...t, trustConditionKeyPrefix: "cognito-identity.amazonaws.com.cn" };
    const [objects] = grantStatements(
      { type: "s3PerIdentity", bucket: "b1-files", prefix: "u", access: "read" },
      cn,
      0,
    );
    expect(objects?.Resource).toContain("${cognito-identity.amazonaws.com.cn:sub}");
  });

  it.each(["", "users/*", "/users", "users/", "a//b", "us?rs"])(
    "refuses the non-concrete prefix %j",
    (prefix) => {
      expect(() =>
        grantStatements({ type: "s3SharedRead", bucket: "b1-files", prefix }, t, 0),
      ).toThrow(/not a concrete S3 key prefix/);
    },
  );

  it("refuses a bucket name with a wildcard", () => {
    expect(() =>
      grantStatements({ type: "s3SharedRead", bucket: "myapp-*", prefix: "p" }, t, 0),
    ).toThrow(/not one bucket name/);
  });

  it("makes no policy at all from no grants, and unique Sids from several", () => {
    expect(grantsPolicy([], t)).toBeUndefined();
    const grants: Grant[] = [
      { type: "s3SharedRead", bucket: "b1-files", prefix: "p" },
      { type: "s3SharedRead", bucket: "b2-files", prefix: "p" },
    ];
    const sids = grantsPolicy(grants, t)?.Statement.map((s) => s.Sid) ?? [];
    expect(new Set(sids).size).toBe(sids.length);
  });

  it("describes each grant in one line for reviews", () => {
    expect(
      describeGrant({ type: "s3PerIdentity", bucket: "b", prefix: "users", access: "read" }),
    ).toBe("read s3://b/users/<IdentityId>/ (each identity its own)");
  });
});

describe("the permissions boundary of Cognito roles", () => {
  const table = "arn:aws-cn:dynamodb:cn-north-1:528715093461:table/cognito-devauth-cn-users";
  const secret = "arn:aws-cn:secretsmanager:cn-north-1:528715093461:secret:wechat-??????";
  const fn = "arn:aws-cn:lambda:cn-north-1:528715093461:function:cognito-devauth-cn-login";
  const logs =
    "arn:aws-cn:logs:cn-north-1:528715093461:log-group:/aws/lambda/cognito-devauth-cn-login";
  const granted = {
    Effect: "Allow" as const,
    Action: "s3:GetObject",
    Resource: "arn:aws-cn:s3:::b1-files/p/*",
  };
  const doc = cognitoRoleBoundary({
    allow: [granted],
    mappingTableArn: table,
    secretArns: [secret],
    functionArns: [fn],
    logGroupArns: [logs],
  });
  const denied = (sid: string) => doc.Statement.find((s) => s.Sid === sid);

  it("allows only what the stack grants the role", () => {
    const allows = doc.Statement.filter((s) => s.Effect === "Allow");
    expect(allows).toEqual([{ ...granted, Sid: "Granted0" }]);
  });

  it.each([
    ["DenyIam", "iam:*"],
    ["DenyRoleChaining", "sts:AssumeRole"],
    ["DenyCognitoIdentityAdmin", "cognito-identity:*"],
  ])("denies %s everywhere", (sid, action) => {
    expect(denied(sid)).toMatchObject({ Effect: "Deny", Resource: ["*"] });
    expect(denied(sid)?.Action).toContain(action);
  });

  it("denies the mapping table and its indexes, the app secrets, the login function and its logs", () => {
    expect(denied("DenyMappingTable")?.Resource).toEqual([table, `${table}/*`]);
    expect(denied("DenyAppSecrets")?.Resource).toEqual([secret]);
    expect(denied("DenyLoginFunctions")?.Resource).toEqual([fn, `${fn}:*`]);
    expect(denied("DenyStackLogs")).toMatchObject({
      Action: ["logs:*"],
      Resource: [logs, `${logs}:*`],
    });
  });
});
