/**
 * Rules between the WeChat app settings (`wechat`, `wechatApps`, ./wechat.ts): the stack serves
 * at least one app, each AppID once (an AppID names one secret, one login key and one app of the
 * login function), and at most MAX_WECHAT_APPS (the function's 4 KB environment, core/quotas.ts).
 */
import { MAX_WECHAT_APPS } from "../../core/quotas";
import type { WechatAppKind } from "../../core/vocabulary";
import type { Rule, RuleInput } from "./rules";
import { PROJECT } from "./setting";
import { wechat, wechatApps } from "./wechat";

const k = (key: string) => `${PROJECT}:${key}`;

/** The stack's apps in the order the login function gets them: `wechat` first, then the list. */
export function appsOf(v: RuleInput["v"]): { appId: string; kind: WechatAppKind; key: string }[] {
  return [
    ...(v.wechat ? [{ appId: v.wechat.appId, kind: "miniprogram" as const, key: "wechat" }] : []),
    ...(v.wechatApps ?? []).map((a, i) => ({
      appId: a.appId,
      kind: a.kind,
      key: `wechatApps[${i}]`,
    })),
  ];
}

/** A login API without an app could log nobody in. */
function atLeastOneApp({ v, invalid }: RuleInput): string[] {
  if (invalid.has("wechat") || invalid.has("wechatApps") || appsOf(v).length > 0) return [];
  return [
    `${k("wechat")} and ${k("wechatApps")} are both unset: the stack serves no WeChat app. ` +
      `Fix: ${wechat.fix} (a mini-program), or ${wechatApps.fix}.`,
  ];
}

/** An AppID names one app: its secret, its openid keys and its entry in the function. */
function uniqueAppIds({ v }: RuleInput): string[] {
  const first = new Map<string, string>();
  return appsOf(v).flatMap(({ appId, key }) => {
    const earlier = first.get(appId);
    if (earlier === undefined) {
      first.set(appId, key);
      return [];
    }
    return [
      `${k(`${key}.appId`)} is the AppID of ${k(earlier)} too: each app is listed once. ` +
        `Fix: pulumi config rm --path '${key}' (or set that entry's own AppID).`,
    ];
  });
}

/** Each app is one entry of the function's WECHAT_APPS, inside Lambda's 4 KB of environment. */
function atMostApps({ v }: RuleInput): string[] {
  const count = appsOf(v).length;
  if (count <= MAX_WECHAT_APPS) return [];
  return [
    `${k("wechatApps")}: the stack lists ${count} WeChat apps, at most ${MAX_WECHAT_APPS} fit ` +
      "the login function's environment (Lambda's 4 KB). Fix: remove apps with " +
      "pulumi config rm --path 'wechatApps[<i>]', or serve the rest from another stack.",
  ];
}

export const WECHAT_RULES: readonly Rule[] = [
  {
    name: "at least one WeChat app",
    doc: "wechat or wechatApps names at least one app.",
    check: atLeastOneApp,
  },
  {
    name: "unique WeChat AppIDs",
    doc: "Each AppID appears once across wechat and wechatApps.",
    check: uniqueAppIds,
  },
  {
    name: "at most ten WeChat apps",
    doc: `wechat and wechatApps list at most ${MAX_WECHAT_APPS} apps together (the login function's 4 KB environment).`,
    check: atMostApps,
  },
];
