/**
 * The WeChat apps a stack serves: `wechat` (one mini-program, the original setting) and
 * `wechatApps` (any mix of mini-programs and Open Platform OAuth apps, i.e. mobile and website
 * apps). Rows of the one config table (./table.ts); the rules between them (at least one app,
 * unique AppIDs, at most MAX_WECHAT_APPS) are in ./rules.ts.
 */
import { z } from "zod";
import { WECHAT_APP_ID } from "../../core/ids";
import { MAX_WECHAT_APPS } from "../../core/quotas";
import { WECHAT_APP_KINDS } from "../../core/vocabulary";
import { formatted, oneOf, setting } from "./setting";

const APP_SECRET = /^\S{16,128}$/;

/** `pulumi config set --path 'wechatApps[<i>].<field>' <value>`, for app `i`. */
export function wechatAppsPath(i: number, field: string, value: string, secret = false): string {
  return `pulumi config set --path${secret ? " --secret" : ""} 'wechatApps[${i}].${field}' ${value}`;
}

export const wechat = setting({
  type: "object",
  description:
    "One WeChat mini-program: its AppID and AppSecret (the same as a wechatApps entry of kind " +
    "miniprogram, listed first). Set each field with --path; the AppSecret with --secret. The " +
    "AppSecret is stored in Secrets Manager, never in outputs, logs or environment variables. " +
    "Default: none (then wechatApps lists the apps).",
  fix:
    "pulumi config set --path wechat.appId wx0123456789abcdef and " +
    "pulumi config set --path --secret wechat.appSecret <AppSecret>",
  leaves: {
    appId: {
      type: "string",
      required: true,
      description: "WeChat mini-program AppID: 'wx' and 16 hex characters.",
      fix: "pulumi config set --path wechat.appId wx0123456789abcdef",
    },
    appSecret: {
      type: "string",
      required: true,
      description: "WeChat mini-program AppSecret (16-128 characters, no spaces).",
      secret: { what: "the WeChat mini-program AppSecret", placeholder: "AppSecret" },
      fix: "pulumi config set --path --secret wechat.appSecret <AppSecret>",
    },
  },
  schema: z.strictObject({
    appId: formatted(WECHAT_APP_ID, "the mini-program AppID, 'wx' and 16 hex characters", {
      field: true,
    }),
    appSecret: formatted(APP_SECRET, "the mini-program AppSecret (16-128 characters, no spaces)", {
      field: true,
      secret: true,
    }),
  }),
});

const appFix =
  `${wechatAppsPath(0, "appId", "wx0123456789abcdef")}, ` +
  `${wechatAppsPath(0, "kind", "oauth")} and ${wechatAppsPath(0, "appSecret", "<AppSecret>", true)}`;

export const wechatApps = setting({
  type: "list",
  default: [],
  description:
    "WeChat apps of the stack, a list of { appId, kind, appSecret }: kind 'miniprogram' logs " +
    "in on POST /login/wechat (wx.login codes), 'oauth' (a mobile or website app of the WeChat " +
    "Open Platform) on POST /login/wechat/oauth (OAuth codes). Each AppSecret, set with " +
    "--secret, gets its own Secrets Manager secret. With wechat, at least one and at most " +
    `${MAX_WECHAT_APPS} apps, each AppID once; the first mini-program is the default of the ` +
    "mini-program route. Default: none.",
  fix: appFix,
  leaves: {
    appId: {
      type: "string",
      required: true,
      description:
        "The app's AppID: 'wx' and 16 hex characters (mini-programs and Open Platform apps alike).",
      fix: wechatAppsPath(0, "appId", "wx0123456789abcdef"),
    },
    kind: {
      type: "string",
      required: true,
      description: "'miniprogram' or 'oauth' (a mobile or website app of the Open Platform).",
      fix: wechatAppsPath(0, "kind", "miniprogram|oauth"),
    },
    appSecret: {
      type: "string",
      required: true,
      description: "The app's AppSecret (16-128 characters, no spaces).",
      secret: { what: "the WeChat app's AppSecret", placeholder: "AppSecret" },
      fix: wechatAppsPath(0, "appSecret", "<AppSecret>", true),
    },
  },
  schema: z.array(
    z.strictObject({
      appId: formatted(WECHAT_APP_ID, "the app's AppID, 'wx' and 16 hex characters", {
        field: true,
      }),
      kind: oneOf(WECHAT_APP_KINDS),
      appSecret: formatted(APP_SECRET, "the app's AppSecret (16-128 characters, no spaces)", {
        field: true,
        secret: true,
      }),
    }),
    { message: "must be a list of { appId, kind, appSecret }" },
  ),
});
