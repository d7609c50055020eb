import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import {
  DEFAULT_CREDENTIALS_DURATION_SECONDS,
  DEFAULT_LOGIN_FLOW,
  DEFAULT_TOKEN_DURATION_SECONDS,
  DEFAULT_USER_KEY,
} from "../../core/defaults";
import { LOG_RETENTION_DAYS, MAX_LOGIN_BURST_LIMIT, MAX_LOGIN_RATE_LIMIT } from "../../core/quotas";
import {
  CONFIG_KEYS,
  ConfigError,
  DEFAULTS,
  SECRET_CONFIG,
  TABLE,
  parseConfig,
  type ParseOptions,
  type RawConfig,
} from "../../infra/config";
import type { Setting } from "../../infra/config/setting";
import { DOCS_FILE, renderConfigDocs } from "../../scripts/docs-config";
import { plan } from "../../scripts/plan";
import { STACKS } from "../support/stacks";

const APP_SECRET = "9d1f0c2b7e4a4c6f8a3b5d7e9f1a2c4e";
const APP_ID = "wx8f3a61c2d94be705";
const CN_IAM_CERT =
  "arn:aws-cn:acm:cn-north-1:528715093461:certificate/3f6b2a1c-8d4e-4f7a-9b0c-2e5d7a9c1b3f";
const CN_ACM_CERT =
  "arn:aws-cn:acm:cn-north-1:528715093461:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";

const valid: RawConfig = {
  "aws:region": "us-east-1",
  "cognito-devauth:developerProviderName": "login.wechat.myapp",
  "cognito-devauth:identityPoolName": "myapp_identities",
  "cognito-devauth:wechat": JSON.stringify({ appId: APP_ID, appSecret: APP_SECRET }),
};
/** The committed China production shape: a public route on an ICP-filed domain. */
const chinaPublic: RawConfig = {
  ...valid,
  "aws:region": "cn-north-1",
  "cognito-devauth:loginAuth": "none",
  "cognito-devauth:icpFilingNumber": "京ICP备12345678号-1",
  "cognito-devauth:loginDomain": JSON.stringify({
    domainName: "login.myapp.cn",
    certificateArn: CN_IAM_CERT,
  }),
};

function problems(raw: RawConfig, options?: ParseOptions): string[] {
  try {
    parseConfig(raw, options);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

const row = (key: (typeof CONFIG_KEYS)[number]): Setting<unknown> => TABLE[key];

describe("every config problem", () => {
  const bad: [string, RawConfig][] = [
    [
      "a misspelt field",
      {
        ...valid,
        "cognito-devauth:wechat": JSON.stringify({ appId: APP_ID, appSecrett: APP_SECRET }),
      },
    ],
    ["a plain wechat", { ...valid, "cognito-devauth:wechat": APP_SECRET }],
    ["a bad rate", { ...valid, "cognito-devauth:loginRateLimit": "fast" }],
    [
      "a bad domain",
      { ...chinaPublic, "cognito-devauth:loginDomain": JSON.stringify({ domainName: "x" }) },
    ],
    [
      "an unknown list field",
      {
        ...valid,
        "cognito-devauth:cognitoIdentityProviders": JSON.stringify([
          { providerName: "p", clientId: "c", extra: 1 },
        ]),
      },
    ],
  ];
  it.each(bad)("is one line naming the key and the fix (%s)", (_, raw) => {
    const found = problems(raw);
    expect(found.length).toBeGreaterThan(0);
    for (const p of found) {
      expect(p).toMatch(/^(aws:region|cognito-devauth:\w+)[\w.[\]"-]*[: ].*Fix: .+\.$/);
      expect(p).not.toContain("\n");
      expect(p).not.toContain(APP_SECRET);
    }
  });
});

describe("unknown keys at any depth", () => {
  it("refuses a misspelt WeChat field without showing its value", () => {
    const raw = {
      ...valid,
      "cognito-devauth:wechat": JSON.stringify({ appId: APP_ID, appSecrett: APP_SECRET }),
    };
    const found = problems(raw);
    expect(found).toContainEqual(
      "cognito-devauth:wechat.appSecrett is not a setting of this project (see Pulumi.yaml for " +
        "the list; cognito-devauth:wechat takes appId, appSecret). Fix: pulumi config rm --path " +
        "wechat.appSecrett.",
    );
    expect(found).toContainEqual(
      expect.stringMatching(/^cognito-devauth:wechat\.appSecret is required/),
    );
    expect(found.join("\n")).not.toContain(APP_SECRET);
  });

  it.each([
    ["wechat", { appId: APP_ID, appSecret: APP_SECRET, foo: "x" }, "wechat.foo"],
    [
      "loginDomain",
      { domainName: "login.myapp.com", certificateArn: "x", zone: "Z1" },
      "loginDomain.zone",
    ],
  ])("refuses the unknown field of %s", (key, value, name) => {
    expect(
      problems({ ...valid, [`cognito-devauth:${key}`]: JSON.stringify(value) }),
    ).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^cognito-devauth:${name.replace(".", "\\.")} is not a setting .* Fix: pulumi config rm --path ${name.replace(".", "\\.")}\\.$`,
        ),
      ),
    );
  });

  it("refuses an unknown field of a list item, naming its index", () => {
    const raw = {
      ...valid,
      "cognito-devauth:cognitoIdentityProviders": JSON.stringify([
        {
          providerName: "cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab12Cd34E",
          clientId: "c1",
          serverSideTokencheck: false,
        },
      ]),
    };
    expect(problems(raw)).toEqual([
      expect.stringContaining(
        "cognito-devauth:cognitoIdentityProviders[0].serverSideTokencheck is not a setting of this project",
      ),
    ]);
  });

  it("accepts any tag name but validates it", () => {
    const tags = { "cost-center": "42", "team/owner": "platform" };
    expect(parseConfig({ ...valid, "cognito-devauth:tags": JSON.stringify(tags) }).tags).toEqual(
      tags,
    );
    expect(
      problems({ ...valid, "cognito-devauth:tags": JSON.stringify({ "aws:owner": "me" }) }),
    ).toEqual([
      'cognito-devauth:tags["aws:owner"] is not a valid tag key. Fix: pulumi config set --path tags.<key> <value>.',
    ]);
    expect(problems({ ...valid, "cognito-devauth:tags": JSON.stringify({ team: ["a"] }) })).toEqual(
      [
        "cognito-devauth:tags.team: must be a string (got '[\"a\"]'). Fix: pulumi config set --path tags.<key> <value>.",
      ],
    );
  });

  it("reads digits and true/false as text where --path stored them as a number or boolean", () => {
    const cfg = parseConfig({
      ...valid,
      "cognito-devauth:tags": JSON.stringify({ costCenter: 42, billable: true }),
      "cognito-devauth:supportedLoginProviders": JSON.stringify({
        "graph.facebook.com": 1234567890123,
      }),
    });
    expect(cfg.tags).toEqual({ costCenter: "42", billable: "true" });
    expect(cfg.supportedLoginProviders).toEqual({ "graph.facebook.com": "1234567890123" });
  });
});

describe("secrets never appear in an error", () => {
  it.each([
    ["set without --path, in plain text", []],
    ["set without --path, as a secret", ["cognito-devauth:wechat"]],
    ["checked without knowing the secret keys", undefined],
  ])("answers a wechat that is a plain string (%s)", (_, secretKeys) => {
    const found = problems(
      { ...valid, "cognito-devauth:wechat": APP_SECRET },
      secretKeys && { secretKeys },
    );
    expect(found).toEqual([
      expect.stringMatching(
        /^cognito-devauth:wechat must be an object set field by field with --path, not a plain value \(the value is not shown: this key holds a secret\)\. Fix: pulumi config rm wechat, then pulumi config set --path wechat\.appId wx0123456789abcdef and pulumi config set --path --secret wechat\.appSecret <AppSecret>/,
      ),
    ]);
    expect(found.join("\n")).not.toContain(APP_SECRET);
  });

  it("asks for rotation when the plain value sits in the stack file in clear", () => {
    expect(
      problems({ ...valid, "cognito-devauth:wechat": APP_SECRET }, { secretKeys: [] }),
    ).toEqual([expect.stringMatching(/rotate it: the stack file holds it in plain text\.$/)]);
  });

  it.each([
    ["malformed JSON", `{"appId":"${APP_ID}","appSecret":"${APP_SECRET}"`],
    ["a number", "12345678901234567890"],
    ["a list", JSON.stringify([APP_ID, APP_SECRET])],
  ])("does not show a wechat value that is %s", (_, value) => {
    const found = problems({ ...valid, "cognito-devauth:wechat": value });
    expect(found).toHaveLength(1);
    expect(found.join("\n")).not.toContain(APP_SECRET);
    expect(found.join("\n")).not.toContain("1234567890");
  });

  it("hides the AppSecret field even when it has the wrong type", () => {
    const found = problems({
      ...valid,
      "cognito-devauth:wechat": JSON.stringify({ appId: APP_ID, appSecret: 987654321098765 }),
    });
    expect(found).toEqual([
      expect.stringMatching(/^cognito-devauth:wechat\.appSecret is not valid/),
    ]);
    expect(found.join("\n")).not.toContain("9876543210");
  });

  it.each([
    ["a wrong AppID", "myapp"],
    ["the AppSecret pasted as the AppID", APP_SECRET],
  ])("names the AppID field but never shows a value of the wechat key (%s)", (_, appId) => {
    const raw = {
      ...valid,
      "cognito-devauth:wechat": JSON.stringify({ appId, appSecret: APP_SECRET }),
    };
    for (const secretKeys of [undefined, [], ["cognito-devauth:wechat"]]) {
      const found = problems(raw, secretKeys && { secretKeys });
      expect(found).toContainEqual(
        "cognito-devauth:wechat.appId (value not shown) is not valid: the mini-program AppID, " +
          "'wx' and 16 hex characters. Fix: pulumi config set --path wechat.appId wx0123456789abcdef.",
      );
      expect(found.join("\n")).not.toContain(appId);
      expect(found.join("\n")).not.toContain(APP_SECRET);
    }
  });

  it("hides the value of any key Pulumi holds as a secret", () => {
    const raw = { ...chinaPublic, "cognito-devauth:icpFilingNumber": "ICP-0000-hidden" };
    const found = problems(raw, {
      secretKeys: ["cognito-devauth:icpFilingNumber", "cognito-devauth:wechat"],
    });
    expect(found).toEqual([
      expect.stringMatching(
        /^cognito-devauth:icpFilingNumber: \(value not shown\) is not an ICP filing number/,
      ),
    ]);
    expect(found.join("\n")).not.toContain("hidden");
  });

  it("declares the AppSecrets as the secret fields the plan must stand in for", () => {
    expect(SECRET_CONFIG).toEqual([
      { key: "wechat", path: "appSecret", what: "the WeChat mini-program AppSecret", list: false },
      { key: "wechatApps", path: "appSecret", what: "the WeChat app's AppSecret", list: true },
    ]);
  });
});

describe("the login domain", () => {
  it("is absent by default, and defaults to turning the default endpoint off", () => {
    expect(parseConfig(valid).login.domain).toBeUndefined();
    expect(parseConfig(chinaPublic).login.domain).toEqual({
      domainName: "login.myapp.cn",
      certificateArn: CN_IAM_CERT,
      hostedZoneId: undefined,
      disableDefaultEndpoint: true,
    });
  });

  it("accepts an ACM certificate of the stack's region, a hosted zone and the endpoint kept on", () => {
    const domain = {
      domainName: "login.myapp.cn",
      certificateArn: CN_ACM_CERT,
      hostedZoneId: "Z0123456789ABCDEFGHIJ",
      disableDefaultEndpoint: "false",
    };
    const cfg = parseConfig({
      ...chinaPublic,
      "cognito-devauth:loginDomain": JSON.stringify(domain),
    });
    expect(cfg.login.domain).toEqual({ ...domain, disableDefaultEndpoint: false });
  });

  const withDomain = (fields: Record<string, unknown>) => ({
    ...chinaPublic,
    "cognito-devauth:loginDomain": JSON.stringify({
      domainName: "login.myapp.cn",
      certificateArn: CN_IAM_CERT,
      ...fields,
    }),
  });

  it.each([
    [
      { domainName: "Login_MyApp" },
      /loginDomain\.domainName 'Login_MyApp' is not valid: a lower-case DNS name/,
    ],
    [{ domainName: undefined }, /loginDomain\.domainName is required/],
    [
      {
        certificateArn: CN_ACM_CERT.replace("aws-cn", "aws").replace("cn-north-1", "us-east-1"),
      },
      /certificateArn: the certificate is in partition 'aws' but the stack is in aws-cn/,
    ],
    [
      { certificateArn: CN_ACM_CERT.replace("cn-north-1", "cn-northwest-1") },
      /the ACM certificate is in cn-northwest-1, but API Gateway takes only certificates of the API's region cn-north-1/,
    ],
    [
      { certificateArn: "arn:aws-cn:s3:::my-bucket/cert.pem" },
      /certificateArn 'arn:aws-cn:s3:::my-bucket\/cert\.pem' is not valid/,
    ],
    [
      { certificateArn: "arn:aws-cn:iam::528715093461:server-certificate/login.myapp.cn" },
      /IAM server certificates serve only edge-optimized domains/,
    ],
    [
      { certificateArn: "arn:aws-cn:acm:cn-north-1:528715093461:certificate/xyz" },
      /an ACM certificate ARN ends in/,
    ],
    [{ hostedZoneId: "z123" }, /loginDomain\.hostedZoneId 'z123' is not valid/],
    [
      { disableDefaultEndpoint: "yes" },
      /loginDomain\.disableDefaultEndpoint: must be true or false \(got 'yes'\)/,
    ],
  ])("refuses %j", (fields, message) => {
    expect(problems(withDomain(fields))).toEqual([expect.stringMatching(message)]);
  });
});

describe("rules between settings", () => {
  it("asks a public China route for both the ICP filing and the domain, naming both fixes", () => {
    const {
      ["cognito-devauth:icpFilingNumber"]: _i,
      ["cognito-devauth:loginDomain"]: _d,
      ...bare
    } = chinaPublic;
    expect(problems(bare)).toEqual([
      expect.stringMatching(
        /^cognito-devauth:loginAuth is 'none' in aws-cn: .* needs cognito-devauth:icpFilingNumber and cognito-devauth:loginDomain\. Fix: pulumi config set icpFilingNumber <ICP number>, and pulumi config set --path loginDomain\.domainName login\.myapp\.cn and .*\.$/,
      ),
    ]);
    const { ["cognito-devauth:loginDomain"]: _, ...noDomain } = chinaPublic;
    expect(problems(noDomain)).toEqual([
      expect.stringMatching(
        /needs cognito-devauth:loginDomain\. Fix: pulumi config set --path loginDomain/,
      ),
    ]);
  });

  it("does not repeat a problem a setting already reported", () => {
    const raw = { ...chinaPublic, "cognito-devauth:icpFilingNumber": "ICP 0000" };
    expect(problems(raw)).toEqual([expect.stringContaining("is not an ICP filing number")]);
  });

  it("refuses an IAM route in China without a domain: no mini-program could reach it", () => {
    const {
      ["cognito-devauth:icpFilingNumber"]: _i,
      ["cognito-devauth:loginDomain"]: _d,
      ...bare
    } = chinaPublic;
    const iam = {
      ...bare,
      "cognito-devauth:loginAuth": "iam",
      "cognito-devauth:allowGuests": "true",
    };
    expect(problems(iam)).toEqual([
      expect.stringMatching(
        /^cognito-devauth:loginDomain is required in aws-cn: WeChat mini-programs call only ICP-filed HTTPS domains.* Fix: pulumi config set --path loginDomain\.domainName/,
      ),
    ]);
    expect(problems({ ...iam, "cognito-devauth:allowGuests": "false" })).toContainEqual(
      expect.stringMatching(
        /^cognito-devauth:loginAuth is 'iam' but cognito-devauth:allowGuests is false/,
      ),
    );
    const onDomain = {
      ...iam,
      "cognito-devauth:loginDomain": chinaPublic["cognito-devauth:loginDomain"],
    };
    expect(parseConfig(onDomain).login.auth).toBe("iam");
  });

  it("refuses a burst below the rate", () => {
    const raw = {
      ...valid,
      "cognito-devauth:loginRateLimit": "30",
      "cognito-devauth:loginBurstLimit": "20",
    };
    expect(problems(raw)).toEqual([
      "cognito-devauth:loginBurstLimit (20) is below cognito-devauth:loginRateLimit (30): the bucket could never reach the steady rate. Fix: pulumi config set loginBurstLimit 30.",
    ]);
  });
});

describe("ranges and defaults come from the ground floor", () => {
  it("caps the login throttle at the quota constants the policy pack uses", () => {
    const at = (rate: number, burst: number) => ({
      ...valid,
      "cognito-devauth:loginRateLimit": String(rate),
      "cognito-devauth:loginBurstLimit": String(burst),
    });
    const cfg = parseConfig(at(MAX_LOGIN_RATE_LIMIT, MAX_LOGIN_BURST_LIMIT));
    expect(cfg.login).toMatchObject({
      rateLimit: MAX_LOGIN_RATE_LIMIT,
      burstLimit: MAX_LOGIN_BURST_LIMIT,
    });
    expect(problems(at(MAX_LOGIN_RATE_LIMIT + 1, MAX_LOGIN_BURST_LIMIT + 1))).toEqual([
      expect.stringMatching(/^cognito-devauth:loginRateLimit: must be a whole number from 1 to 50/),
      expect.stringMatching(
        /^cognito-devauth:loginBurstLimit: must be a whole number from 1 to 50/,
      ),
    ]);
  });

  it.each(STACKS)(
    "plans the highest throttle the config accepts with no violation ($stack)",
    async ({ stack }) => {
      const result = await plan(stack, {
        loginRateLimit: String(MAX_LOGIN_RATE_LIMIT),
        loginBurstLimit: String(MAX_LOGIN_BURST_LIMIT),
      });
      expect(result.violations).toEqual([]);
    },
  );

  it("accepts exactly the CloudWatch Logs retention values", () => {
    for (const days of LOG_RETENTION_DAYS) {
      expect(
        parseConfig({ ...valid, "cognito-devauth:logRetentionDays": String(days) }).login
          .logRetentionDays,
      ).toBe(days);
    }
    expect(problems({ ...valid, "cognito-devauth:logRetentionDays": "2" })).toEqual([
      expect.stringMatching(/^cognito-devauth:logRetentionDays: must be one of 1, 3, 5/),
    ]);
  });

  it("takes the shared defaults from core/defaults", () => {
    expect(DEFAULTS).toMatchObject({
      tokenDurationSeconds: DEFAULT_TOKEN_DURATION_SECONDS,
      credentialsDurationSeconds: DEFAULT_CREDENTIALS_DURATION_SECONDS,
      loginFlow: DEFAULT_LOGIN_FLOW,
      userKey: DEFAULT_USER_KEY,
    });
  });
});

describe("Pulumi.yaml against the table", () => {
  const text = readFileSync(path.join(__dirname, "../../Pulumi.yaml"), "utf8");
  const declared = (parseYaml(text) as { config: Record<string, Record<string, unknown>> }).config;
  const squash = (s: unknown) => String(s).replace(/\s+/g, " ").trim();

  it("declares only settings of the table", () => {
    expect(Object.keys(declared).filter((k) => !(CONFIG_KEYS as string[]).includes(k))).toEqual([]);
  });

  it.each([...CONFIG_KEYS])(
    "declares %s as the table does, or documents it in the comments",
    (key) => {
      const r = row(key);
      const scalar = ["string", "integer", "boolean"].includes(r.type);
      if (scalar && (r.required || r.default !== undefined)) {
        expect(declared[key]).toEqual({
          type: r.type,
          ...(r.default !== undefined ? { default: r.default } : {}),
          description: expect.any(String),
        });
        expect(squash(declared[key]?.description)).toBe(squash(r.description));
      } else {
        // Structured, or optional without a static default: the CLI cannot declare it.
        expect(declared[key]).toBeUndefined();
        expect(text).toMatch(new RegExp(`^#\\s+${key}\\b`, "m"));
      }
    },
  );
});

describe("docs/configuration.md", () => {
  it("is what npm run docs:config generates from the table", () => {
    expect(readFileSync(DOCS_FILE, "utf8")).toBe(renderConfigDocs());
  });

  it("lists every setting and every field", () => {
    const page = renderConfigDocs();
    for (const key of CONFIG_KEYS) {
      expect(page).toContain(`| \`${key}\``);
      for (const field of Object.keys(row(key).leaves ?? {})) expect(page).toContain(`.${field}\``);
    }
  });
});
