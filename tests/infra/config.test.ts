import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import {
  CONFIG_KEYS,
  ConfigError,
  DEFAULTS,
  parseConfig,
  type RawConfig,
} from "../../infra/config";
import { CN_LOGIN_DOMAIN } from "../support/chinaDomain";

const APP_SECRET = "9d1f0c2b7e4a4c6f8a3b5d7e9f1a2c4e";

/** A valid global-partition config: each test changes one thing. */
const valid: RawConfig = {
  "aws:region": "us-east-1",
  "cognito-devauth:developerProviderName": "login.wechat.myapp",
  "cognito-devauth:identityPoolName": "myapp_identities",
  "cognito-devauth:wechat": JSON.stringify({ appId: "wx8f3a61c2d94be705", appSecret: APP_SECRET }),
};
const china: RawConfig = {
  ...valid,
  "aws:region": "cn-north-1",
  "cognito-devauth:allowGuests": "true",
  "cognito-devauth:loginDomain": CN_LOGIN_DOMAIN,
};

function problems(raw: RawConfig): string[] {
  try {
    parseConfig(raw);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("stack configuration", () => {
  it("applies the documented defaults", () => {
    const cfg = parseConfig(valid);
    expect(cfg).toMatchObject({
      region: "us-east-1",
      partition: "aws",
      allowGuests: false,
      tokenDurationSeconds: 900,
      loginFlow: "enhanced",
      userKey: "unionid",
      trust: {},
      login: { auth: "none", rateLimit: 40, burstLimit: 40, logRetentionDays: 30 },
    });
    expect(cfg.wechatApps).toHaveLength(1);
    expect(cfg.wechatApps[0]).toMatchObject({
      appId: "wx8f3a61c2d94be705",
      kind: "miniprogram",
      legacy: true,
    });
    expect(cfg.wechatApps[0]?.appSecret.reveal()).toBe(APP_SECRET);
  });

  it("never prints the AppSecret when the config is logged", () => {
    const cfg = parseConfig(valid);
    expect(JSON.stringify(cfg)).not.toContain(APP_SECRET);
    expect(String(cfg.wechatApps[0]?.appSecret)).toBe("[secret]");
  });

  it("defaults the login route to IAM auth in AWS China", () => {
    expect(parseConfig(china).login.auth).toBe("iam");
  });

  it("refuses a stack in cn-northwest-1, where identity pools do not exist", () => {
    expect(problems({ ...china, "aws:region": "cn-northwest-1" })).toContainEqual(
      expect.stringMatching(
        /^aws:region: Cognito identity pools are not available in cn-northwest-1.*only in cn-north-1. Fix: pulumi config set aws:region cn-north-1\.$/,
      ),
    );
  });

  it("refuses a stack without a region, naming the key", () => {
    const { ["aws:region"]: _, ...noRegion } = valid;
    expect(problems(noRegion)).toContainEqual(expect.stringMatching(/^aws:region is required/));
  });

  it("refuses a region outside the supported partitions", () => {
    expect(problems({ ...valid, "aws:region": "us-gov-west-1" })).toContainEqual(
      expect.stringMatching(/^aws:region: 'us-gov-west-1' is not in a supported partition/),
    );
  });

  it.each(["login wechat", "login/wechat", "", "x".repeat(129)])(
    "refuses the developer provider name '%s' and says it can never change",
    (name) => {
      expect(problems({ ...valid, "cognito-devauth:developerProviderName": name })).toContainEqual(
        expect.stringMatching(
          /^cognito-devauth:developerProviderName[: ].*can never change once deployed \(on a deployed stack, set it back to the deployed value\)\. Fix: pulumi config set developerProviderName login\.wechat\.myapp\.$/,
        ),
      );
    },
  );

  it.each(["0", "86401", "15m", "9.5"])("refuses a token duration of %s seconds", (value) => {
    expect(problems({ ...valid, "cognito-devauth:tokenDurationSeconds": value })).toContainEqual(
      expect.stringMatching(
        /^cognito-devauth:tokenDurationSeconds: .*Fix: pulumi config set tokenDurationSeconds 900 \(Cognito accepts 1 to 86400 seconds\)\.$/,
      ),
    );
  });

  it.each(["1", "86400"])("accepts a token duration of %s seconds", (value) => {
    expect(
      parseConfig({ ...valid, "cognito-devauth:tokenDurationSeconds": value }).tokenDurationSeconds,
    ).toBe(Number(value));
  });

  it("refuses Cognito user pools in AWS China", () => {
    const raw = {
      ...china,
      "cognito-devauth:cognitoIdentityProviders": JSON.stringify([
        { providerName: "cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_abc", clientId: "c1" },
      ]),
    };
    expect(problems(raw)).toContainEqual(
      expect.stringMatching(/cognitoIdentityProviders: Cognito user pools do not exist in aws-cn/),
    );
  });

  it("accepts user pools in the global partition", () => {
    const cfg = parseConfig({
      ...valid,
      "cognito-devauth:cognitoIdentityProviders": JSON.stringify([
        { providerName: "cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab12Cd34E", clientId: "c1" },
      ]),
    });
    expect(cfg.cognitoIdentityProviders).toEqual([
      {
        providerName: "cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab12Cd34E",
        clientId: "c1",
        serverSideTokenCheck: true,
      },
    ]);
  });

  it.each(["graph.facebook.com", "api.twitter.com"])("refuses %s logins in AWS China", (p) => {
    const raw = {
      ...china,
      "cognito-devauth:supportedLoginProviders": JSON.stringify({ [p]: "app-1" }),
    };
    expect(problems(raw)).toContainEqual(
      expect.stringContaining(
        `supportedLoginProviders: ${p} is not supported by Cognito in aws-cn`,
      ),
    );
  });

  it("refuses an IAM-authorized login route when guests are off", () => {
    expect(problems({ ...valid, "cognito-devauth:loginAuth": "iam" })).toContainEqual(
      expect.stringMatching(
        /^cognito-devauth:loginAuth is 'iam' but cognito-devauth:allowGuests is false/,
      ),
    );
  });

  it("refuses a public login route in AWS China without an ICP filing", () => {
    const raw = { ...china, "cognito-devauth:loginAuth": "none" };
    expect(problems(raw)).toContainEqual(expect.stringMatching(/ICP filing/));
    // A public China route also needs the ICP-filed domain mini-programs may call.
    const domain = JSON.stringify({
      domainName: "login.myapp.cn",
      certificateArn:
        "arn:aws-cn:acm:cn-north-1:528715093461:certificate/3f6b2a1c-8d4e-4f7a-9b0c-2e5d7a9c1b3f",
    });
    expect(
      parseConfig({
        ...raw,
        "cognito-devauth:icpFilingNumber": "京ICP备12345678号",
        "cognito-devauth:loginDomain": domain,
      }).login.auth,
    ).toBe("none");
  });

  it("refuses a WeChat AppID of the wrong shape and a missing AppSecret", () => {
    const raw = {
      ...valid,
      "cognito-devauth:wechat": JSON.stringify({ appId: "myapp" }),
    };
    const found = problems(raw);
    expect(found).toContainEqual(
      expect.stringMatching(
        /wechat\.appId \(value not shown\) is not valid: the mini-program AppID/,
      ),
    );
    expect(found.join("\n")).not.toContain("myapp");
    expect(found).toContainEqual(
      expect.stringContaining(
        "wechat.appSecret is required: the mini-program AppSecret (16-128 characters, no spaces). Fix: pulumi config set --path --secret wechat.appSecret <AppSecret>.",
      ),
    );
  });

  it("refuses an AppSecret stored in plain text, without echoing it", () => {
    let err: unknown;
    try {
      parseConfig(valid, { secretKeys: [] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      expect.stringMatching(
        /^cognito-devauth:wechat\.appSecret is stored in plain text in the stack file\. Fix: pulumi config set --path --secret wechat\.appSecret <AppSecret>/,
      ),
    ]);
    expect((err as Error).message).not.toContain(APP_SECRET);
    expect(
      parseConfig(valid, { secretKeys: ["cognito-devauth:wechat"] }).wechatApps[0]?.appId,
    ).toBe("wx8f3a61c2d94be705");
  });

  it.each(["ICP 0000", "12345678", "京ICP备号"])("refuses the ICP filing number '%s'", (icp) => {
    const raw = {
      ...china,
      "cognito-devauth:loginAuth": "none",
      "cognito-devauth:icpFilingNumber": icp,
    };
    expect(problems(raw)).toContainEqual(
      expect.stringContaining(
        `cognito-devauth:icpFilingNumber: '${icp}' is not an ICP filing number`,
      ),
    );
  });

  it("does not echo a malformed AppSecret", () => {
    const bad = "short secret";
    const raw = {
      ...valid,
      "cognito-devauth:wechat": JSON.stringify({ appId: "wx8f3a61c2d94be705", appSecret: bad }),
    };
    const found = problems(raw);
    expect(found).toContainEqual(expect.stringMatching(/wechat\.appSecret is not valid/));
    expect(found.join("\n")).not.toContain(bad);
  });

  it("refuses a trust principal no AWS document uses", () => {
    const raw = { ...valid, "cognito-devauth:cognitoTrustPrincipal": "sts.amazonaws.com" };
    expect(problems(raw)).toContainEqual(
      expect.stringMatching(
        /cognitoTrustPrincipal: 'sts\.amazonaws\.com' is not a Cognito identity principal/,
      ),
    );
  });

  it("refuses an AWS China trust principal in a global stack", () => {
    const raw = {
      ...valid,
      "cognito-devauth:cognitoTrustPrincipal": "cognito-identity.cn-north-1.amazonaws.com.cn",
    };
    expect(problems(raw)).toContainEqual(
      expect.stringMatching(/is an AWS China principal but the stack is in aws\./),
    );
  });

  it("refuses a condition-key prefix of the other family than the principal", () => {
    const raw = {
      ...china,
      "cognito-devauth:cognitoTrustPrincipal": "cognito-identity.cn-north-1.amazonaws.com.cn",
      "cognito-devauth:cognitoTrustConditionKeyPrefix": "cognito-identity.amazonaws.com",
    };
    expect(problems(raw)).toContainEqual(
      expect.stringMatching(
        /cognitoTrustConditionKeyPrefix: 'cognito-identity\.amazonaws\.com' does not go with principal 'cognito-identity\.cn-north-1\.amazonaws\.com\.cn'/,
      ),
    );
  });

  it("pins the DeleteIdentities grant to the pool by default, and allows if-present only in aws-cn", () => {
    expect(parseConfig(valid).accountDeletionPoolCondition).toBe("pinned");
    expect(parseConfig(china).accountDeletionPoolCondition).toBe("pinned");
    const key = "cognito-devauth:accountDeletionPoolCondition";
    expect(parseConfig({ ...china, [key]: "if-present" }).accountDeletionPoolCondition).toBe(
      "if-present",
    );
    expect(problems({ ...valid, [key]: "if-present" })).toEqual([
      expect.stringMatching(
        /^cognito-devauth:accountDeletionPoolCondition: 'if-present' is for partitions .* in aws it is documented.*Fix: pulumi config rm accountDeletionPoolCondition\.$/,
      ),
    ]);
    expect(problems({ ...china, [key]: "unpinned" })).toEqual([
      expect.stringContaining("accountDeletionPoolCondition"),
    ]);
  });

  it("names a misspelt key instead of silently using the default", () => {
    expect(problems({ ...valid, "cognito-devauth:alowGuests": "true" })).toContainEqual(
      "cognito-devauth:alowGuests is not a setting of this project (see Pulumi.yaml for the list). Fix: pulumi config rm alowGuests.",
    );
  });

  it("reports every problem at once", () => {
    const err = (() => {
      try {
        parseConfig({
          ...valid,
          "cognito-devauth:loginFlow": "hybrid",
          "cognito-devauth:userKey": "email",
        });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error("expected a ConfigError");
    })();
    expect(err.message).toMatch(/^Invalid stack configuration \(2 problems\):/);
    expect(err.problems).toEqual([
      expect.stringMatching(/^cognito-devauth:loginFlow: must be 'enhanced' or 'basic'/),
      expect.stringMatching(/^cognito-devauth:userKey: must be 'unionid' or 'openid'/),
    ]);
  });
});

describe("Pulumi.yaml", () => {
  const text = readFileSync(path.join(__dirname, "../../Pulumi.yaml"), "utf8");
  const project = parseYaml(text) as {
    config: Record<string, { default?: unknown; description?: string }>;
  };

  it.each([...CONFIG_KEYS])("documents the key %s", (key) => {
    const declared = project.config[key];
    if (declared) expect(declared.description).toEqual(expect.any(String));
    else expect(text).toMatch(new RegExp(`^#\\s+${key}\\b`, "m"));
  });

  it.each(Object.entries(DEFAULTS))(
    "declares the same default for %s as the program",
    (key, value) => {
      expect(project.config[key]?.default).toBe(value);
    },
  );
});
