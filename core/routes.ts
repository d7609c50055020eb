/**
 * The login routes of the API, shared by the stack (which creates them) and the login function
 * (which tells them apart by the event's `routeKey`). One login function serves both.
 */

export const LOGIN_ROUTES = {
  /** WeChat mini-programs: `wx.login()` codes (jscode2session). */
  miniprogram: { method: "POST", path: "/login/wechat" },
  /** Mobile and website apps of the WeChat Open Platform: OAuth codes (sns/oauth2/access_token). */
  oauth: { method: "POST", path: "/login/wechat/oauth" },
} as const;

export type LoginRouteKind = keyof typeof LOGIN_ROUTES;

/** API Gateway's route key, `<METHOD> <path>`, as a payload 2.0 event's `routeKey` carries it. */
export function routeKey(route: { readonly method: string; readonly path: string }): string {
  return `${route.method} ${route.path}`;
}

/**
 * The self-service account route (account deletion, functions/account) on the login API: always
 * AWS_IAM, signed by the identity it deletes (the pack's `account-route-iam`).
 */
export const ACCOUNT_ROUTE = { method: "DELETE", path: "/account" } as const;
