/**
 * The per-client login limit in the stack (docs/abuse-protection.md): TTL on the mapping table in
 * both stacks, `loginClientRateLimit` validated and handed to the function's environment.
 */
import { ConfigError, parseConfig, type RawConfig } from "../../infra/config";
import { synthesize } from "../../scripts/synth";
import { STACKS, committed, one, ofType } from "../support/stacks";

const TABLE = "aws:dynamodb/table:Table";
const FUNCTION = "aws:lambda/function:Function";
const LIMIT = "loginClientRateLimit";

const envOf = (synth: Awaited<ReturnType<typeof synthesize>>) =>
  (
    one(synth, FUNCTION, "wechat-login-function").inputs.environment as {
      variables: Record<string, string>;
    }
  ).variables;

describe.each(STACKS)("stack $stack", ({ stack }) => {
  it("turns TTL on for the limiter's expiresAt attribute of the mapping table", async () => {
    const tables = ofType(await committed(stack), TABLE);
    expect(tables).toHaveLength(1);
    expect(tables[0]?.inputs.ttl).toEqual({ attributeName: "expiresAt", enabled: true });
  });

  it("leaves the per-client limit off by default", async () => {
    const env = envOf(await committed(stack));
    expect(env["CLIENT_RATE_LIMIT_PER_MINUTE"]).toBeUndefined();
    expect(env["CLIENT_RATE_LIMIT_KEY"]).toBeUndefined();
  });

  it("hands loginClientRateLimit to the function (key defaults to sourceIp)", async () => {
    const env = envOf(
      await synthesize(stack, { [LIMIT]: JSON.stringify({ requestsPerMinute: 30 }) }),
    );
    expect(env["CLIENT_RATE_LIMIT_PER_MINUTE"]).toBe("30");
    expect(env["CLIENT_RATE_LIMIT_KEY"]).toBe("sourceIp");
  });

  it("counts by guest identity on an IAM-authorized route", async () => {
    const env = envOf(
      await synthesize(stack, {
        loginAuth: "iam",
        allowGuests: "true",
        [LIMIT]: JSON.stringify({ requestsPerMinute: "12", key: "identity" }),
      }),
    );
    expect(env["CLIENT_RATE_LIMIT_PER_MINUTE"]).toBe("12");
    expect(env["CLIENT_RATE_LIMIT_KEY"]).toBe("identity");
  });
});

describe("loginClientRateLimit validation", () => {
  const valid: RawConfig = {
    "aws:region": "us-east-1",
    "cognito-devauth:developerProviderName": "login.wechat.myapp",
    "cognito-devauth:identityPoolName": "myapp_identities",
    "cognito-devauth:wechat": JSON.stringify({
      appId: "wx8f3a61c2d94be705",
      appSecret: "9d1f0c2b7e4a4c6f8a3b5d7e9f1a2c4e",
    }),
  };
  const problems = (limit: unknown, over: RawConfig = {}): string[] => {
    try {
      parseConfig({ ...valid, ...over, [`cognito-devauth:${LIMIT}`]: JSON.stringify(limit) });
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    return [];
  };

  it("is off unless set", () => {
    expect(parseConfig(valid).login.clientRateLimit).toBeUndefined();
  });

  it.each([0, 3001, 1.5, "many", -1])(
    "refuses requestsPerMinute %j, naming the range and fix",
    (n) => {
      const found = problems({ requestsPerMinute: n });
      expect(found).toHaveLength(1);
      expect(found[0]).toContain(`cognito-devauth:${LIMIT}.requestsPerMinute`);
      expect(found[0]).toContain("from 1 to 3000");
      expect(found[0]).toContain(
        "Fix: pulumi config set --path loginClientRateLimit.requestsPerMinute",
      );
    },
  );

  it("requires requestsPerMinute, refuses unknown keys and fields", () => {
    expect(problems({ key: "sourceIp" }).join()).toContain("requestsPerMinute");
    expect(problems({ requestsPerMinute: 5, key: "ip" }).join()).toContain(
      "'sourceIp' or 'identity'",
    );
    expect(problems({ requestsPerMinute: 5, window: 60 }).join()).toContain(
      `${LIMIT}.window is not a setting`,
    );
  });

  it("refuses key 'identity' on a public route, naming both fixes", () => {
    const found = problems({ requestsPerMinute: 5, key: "identity" });
    expect(found).toEqual([expect.stringContaining("loginAuth is 'none'")]);
    expect(found[0]).toContain("loginClientRateLimit.key sourceIp");
    expect(found[0]).toContain("pulumi config set loginAuth iam");
  });
});
