/**
 * The login API's routes, served by one login function. The infra creates a route only when the
 * stack has an app of its kind; the function tells them apart by the HTTP API's `routeKey`.
 */
export const LOGIN_ROUTES = {
  miniprogram: { method: "POST", path: "/login/wechat" },
  oauth: { method: "POST", path: "/login/wechat/oauth" },
} as const;

export type LoginRouteName = keyof typeof LOGIN_ROUTES;

/** The HTTP API `routeKey` of a route: `"<METHOD> <path>"`, e.g. `"POST /login/wechat"`. */
export function routeKey(route: { readonly method: string; readonly path: string }): string {
  return `${route.method} ${route.path}`;
}
