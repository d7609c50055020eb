import { ConfigError, parseConfig, type RawConfig } from "../../infra/config";
import { MAX_WECHAT_APPS } from "../../core/quotas";

const SECRET_A = "9d1f0c2b7e4a4c6f8a3b5d7e9f1a2c4e";
const SECRET_B = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
const MINI = "wx8f3a61c2d94be705";
const WEB = "wx3c9e0b7d25a4f618";
const APP = "wx0000000000000a11";

const base: RawConfig = {
  "aws:region": "us-east-1",
  "cognito-devauth:developerProviderName": "login.wechat.myapp",
  "cognito-devauth:identityPoolName": "myapp_identities",
};
const wechat = (appId = MINI, appSecret = SECRET_A) => ({
  "cognito-devauth:wechat": JSON.stringify({ appId, appSecret }),
});
const apps = (list: unknown[]) => ({ "cognito-devauth:wechatApps": JSON.stringify(list) });

function problems(raw: RawConfig, secretKeys?: string[]): string[] {
  try {
    parseConfig(raw, secretKeys ? { secretKeys } : {});
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("WeChat apps", () => {
  it("lists wechat first, then wechatApps in order, each with its own secret", () => {
    const cfg = parseConfig({
      ...base,
      ...wechat(),
      ...apps([
        { appId: WEB, kind: "oauth", appSecret: SECRET_B },
        { appId: APP, kind: "miniprogram", appSecret: SECRET_A },
      ]),
    });
    expect(cfg.wechatApps.map(({ appId, kind, legacy }) => ({ appId, kind, legacy }))).toEqual([
      { appId: MINI, kind: "miniprogram", legacy: true },
      { appId: WEB, kind: "oauth", legacy: false },
      { appId: APP, kind: "miniprogram", legacy: false },
    ]);
    expect(cfg.wechatApps[1]?.appSecret.reveal()).toBe(SECRET_B);
    expect(JSON.stringify(cfg)).not.toContain(SECRET_B);
  });

  it("needs no wechat when wechatApps lists the apps (an OAuth-only stack)", () => {
    const cfg = parseConfig({
      ...base,
      ...apps([{ appId: WEB, kind: "oauth", appSecret: SECRET_B }]),
    });
    expect(cfg.wechatApps.map((a) => [a.appId, a.kind, a.legacy])).toEqual([[WEB, "oauth", false]]);
  });

  it("refuses a stack without any app, naming both keys and the fix", () => {
    expect(problems(base)).toEqual([
      "cognito-devauth:wechat and cognito-devauth:wechatApps are both unset: the stack serves no " +
        "WeChat app. Fix: pulumi config set --path wechat.appId wx0123456789abcdef and pulumi " +
        "config set --path --secret wechat.appSecret <AppSecret> (a mini-program), or pulumi " +
        "config set --path 'wechatApps[0].appId' wx0123456789abcdef, pulumi config set --path " +
        "'wechatApps[0].kind' oauth and pulumi config set --path --secret " +
        "'wechatApps[0].appSecret' <AppSecret>.",
    ]);
    expect(problems({ ...base, ...apps([]) })).toHaveLength(1);
  });

  it("refuses an AppID listed twice, across wechat and wechatApps", () => {
    const found = problems({
      ...base,
      ...wechat(),
      ...apps([
        { appId: WEB, kind: "oauth", appSecret: SECRET_B },
        { appId: MINI, kind: "oauth", appSecret: SECRET_B },
      ]),
    });
    expect(found).toEqual([
      "cognito-devauth:wechatApps[1].appId is the AppID of cognito-devauth:wechat too: each app " +
        "is listed once. Fix: pulumi config rm --path 'wechatApps[1]' (or set that entry's own AppID).",
    ]);
  });

  it(`refuses more than ${MAX_WECHAT_APPS} apps (the function's 4 KB environment)`, () => {
    const many = Array.from({ length: MAX_WECHAT_APPS }, (_, i) => ({
      appId: `wx${i.toString(16).padStart(16, "0")}`,
      kind: "oauth",
      appSecret: SECRET_B,
    }));
    expect(() => parseConfig({ ...base, ...apps(many) })).not.toThrow();
    expect(problems({ ...base, ...wechat(), ...apps(many) })).toEqual([
      expect.stringMatching(
        /^cognito-devauth:wechatApps: the stack lists 11 WeChat apps, at most 10 fit .*Fix: /,
      ),
    ]);
  });

  it("names the item and its fix for a bad field, never showing a value", () => {
    const found = problems({
      ...base,
      ...apps([
        { appId: WEB, kind: "oauth", appSecret: SECRET_B },
        { appId: SECRET_A, kind: "website", appSecret: "short" },
      ]),
    });
    expect(found).toEqual([
      "cognito-devauth:wechatApps[1].appId (value not shown) is not valid: the app's AppID, 'wx' " +
        "and 16 hex characters. Fix: pulumi config set --path 'wechatApps[1].appId' wx0123456789abcdef.",
      "cognito-devauth:wechatApps[1].kind: must be 'miniprogram' or 'oauth'. Fix: pulumi config " +
        "set --path 'wechatApps[1].kind' miniprogram|oauth.",
      "cognito-devauth:wechatApps[1].appSecret is not valid: the app's AppSecret (16-128 " +
        "characters, no spaces). Fix: pulumi config set --path --secret 'wechatApps[1].appSecret' <AppSecret>.",
    ]);
    expect(found.join("\n")).not.toContain(SECRET_A);
  });

  it("refuses an AppSecret of wechatApps stored in plain text, naming its item", () => {
    const raw = { ...base, ...apps([{ appId: WEB, kind: "oauth", appSecret: SECRET_B }]) };
    const found = problems(raw, []);
    expect(found).toEqual([
      "cognito-devauth:wechatApps[0].appSecret is stored in plain text in the stack file. Fix: " +
        "pulumi config set --path --secret 'wechatApps[0].appSecret' <AppSecret>, and rotate the " +
        "AppSecret if the file was ever committed.",
    ]);
    expect(
      parseConfig(raw, { secretKeys: ["cognito-devauth:wechatApps"] }).wechatApps,
    ).toHaveLength(1);
  });
});
