/** The `grants` and `principalTags` settings: each mistake one line naming its path and the fix. */
import { ConfigError, parseConfig } from "../../infra/config";
import { STACKS } from "../support/stacks";
import { chinaDomainFor } from "../support/chinaDomain";

const base = (region: string) => ({
  "aws:region": region,
  ...chinaDomainFor(region),
  "cognito-devauth:developerProviderName": "login.wechat.myapp",
  "cognito-devauth:identityPoolName": "myapp",
  "cognito-devauth:loginAuth": "iam",
  "cognito-devauth:allowGuests": "true",
  "cognito-devauth:wechat": JSON.stringify({
    appId: "wx0123456789abcdef",
    appSecret: "abcdefghijklmnopqrst",
  }),
});

function problems(raw: Record<string, string>): string[] {
  try {
    parseConfig(raw);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe.each(STACKS)("grants in $stack", ({ region }) => {
  const withGrants = (grants: unknown, extra: Record<string, string> = {}) =>
    problems({ ...base(region), "cognito-devauth:grants": JSON.stringify(grants), ...extra });

  it("reads every kind of grant, defaulting to none", () => {
    expect(parseConfig(base(region)).grants).toEqual({ authenticated: [], guest: [] });
    const cfg = parseConfig({
      ...base(region),
      "cognito-devauth:grants": JSON.stringify({
        authenticated: [
          { type: "s3PerIdentity", bucket: "b-files", prefix: "users", access: "read-write" },
          { type: "s3SharedRead", bucket: "b-files", prefix: "public/assets" },
          { type: "dynamodbPerIdentity", table: "notes", access: "read" },
          { type: "apiInvoke", apiId: "a1b2c3d4e5", stage: "prod", method: "get", path: "/orders" },
        ],
        guest: [
          {
            type: "statements",
            statements: [{ Effect: "Allow", Action: "polly:SynthesizeSpeech", Resource: "arn:x" }],
          },
        ],
      }),
    });
    expect(cfg.grants.authenticated).toHaveLength(4);
    expect(cfg.grants.authenticated[3]).toMatchObject({ method: "GET" });
    expect(cfg.principalTags).toBe(false);
  });

  it.each([
    [
      { type: "s3PerIdentity", bucket: "My_Bucket", prefix: "u", access: "read" },
      "[0].bucket 'My_Bucket' is not an S3 bucket name",
    ],
    [
      { type: "s3PerIdentity", bucket: "bkt", prefix: "users/*", access: "read" },
      "[0].prefix 'users/*' is not a concrete key prefix",
    ],
    [
      { type: "s3SharedRead", bucket: "bkt", prefix: "/public" },
      "[0].prefix '/public' is not a concrete key prefix",
    ],
    [
      { type: "s3PerIdentity", bucket: "bkt", prefix: "u", access: "all" },
      "[0].access: must be 'read', 'write', 'read-write'",
    ],
    [
      { type: "dynamodbPerIdentity", table: "t", access: "read" },
      "[0].table 't' is not a DynamoDB table name",
    ],
    [
      { type: "apiInvoke", apiId: "abc", stage: "prod", method: "GET", path: "/o" },
      "[0].apiId 'abc' is not an API Gateway API id",
    ],
    [
      { type: "apiInvoke", apiId: "a1b2c3d4e5", stage: "prod", method: "FETCH", path: "/o" },
      "[0].method: must be one of GET",
    ],
    [
      { type: "apiInvoke", apiId: "a1b2c3d4e5", stage: "prod", method: "GET", path: "/o/*" },
      "[0].path '/o/*' is not a concrete route path",
    ],
    [
      { type: "statements", statements: [{ Effect: "Allow", Action: "s3:GetObject" }] },
      "[0].statements[0].Resource is required",
    ],
    [
      {
        type: "statements",
        statements: [{ Effect: "Maybe", Action: "s3:GetObject", Resource: "arn:x" }],
      },
      "[0].statements[0].Effect: must be 'Allow' or 'Deny'",
    ],
    [{ type: "s3Everything" }, "[0].type must be s3PerIdentity, s3SharedRead"],
  ])("refuses %j with one line naming the path and the fix", (grant, message) => {
    const found = withGrants({ authenticated: [grant] });
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(`cognito-devauth:grants.authenticated${message}`);
    expect(found[0]).toContain("Fix: ");
  });

  it("refuses guest grants without guests", () => {
    const found = withGrants(
      { guest: [{ type: "s3SharedRead", bucket: "bkt", prefix: "p" }] },
      { "cognito-devauth:allowGuests": "false", "cognito-devauth:loginAuth": "none" },
    ).filter((p) => p.includes("grants.guest"));
    expect(found).toEqual([
      expect.stringContaining(
        "cognito-devauth:allowGuests is false, so there is no guest role. Fix: pulumi config set allowGuests true",
      ),
    ]);
  });

  it("refuses aws:PrincipalTag conditions unless principalTags is true", () => {
    const grants = {
      authenticated: [
        {
          type: "statements",
          statements: [
            {
              Effect: "Allow",
              Action: "s3:GetObject",
              Resource: "arn:x",
              Condition: { StringEquals: { "aws:PrincipalTag/appId": "wx0123456789abcdef" } },
            },
          ],
        },
      ],
    };
    expect(withGrants(grants)).toEqual([
      expect.stringContaining("cognito-devauth:grants.authenticated[0] uses aws:PrincipalTag"),
    ]);
    expect(withGrants(grants, { "cognito-devauth:principalTags": "true" })).toEqual([]);
  });
});
