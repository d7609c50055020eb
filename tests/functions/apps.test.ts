/**
 * Several WeChat apps per stack: the WECHAT_APPS contract, the OAuth exchange, routing by
 * routeKey, and per-app keys, rows and tags (in memory). The cross-app identity cases, with
 * concurrency, are in apps-identity.test.ts.
 */
import { readConfig, type WechatApp } from "../../functions/login/config";
import { errorResponse } from "../../functions/login/http";
import { LOGIN_ROUTES, routeKey } from "../../core/routes";
import { WECHAT_APP_KINDS } from "../../core/vocabulary";
import {
  APP_ID,
  APP_SECRET,
  CONTEXT,
  FakeWechat,
  MINI_B_APP_ID,
  OAUTH_ACCESS_TOKEN,
  OAUTH_APP_ID,
  OAUTH_REFRESH_TOKEN,
  REQUIRED_ENV,
  TEST_APPS,
  errorOf,
  expectNoSecrets,
  fetchAsGet,
  harness,
  loginEvent,
  oauthEvent,
  parse,
  secretArn,
  wechatAppsEnv,
  type Harness,
} from "./support";

const signal = new AbortController().signal;

async function failureOf(p: Promise<unknown>): Promise<{ status: number; code: string }> {
  try {
    await p;
  } catch (err) {
    const res = errorResponse(err, "r");
    return { status: res.statusCode, code: errorOf(parse(res)).code };
  }
  throw new Error("expected a failure");
}

describe("WECHAT_APPS (environment contract)", () => {
  const base = REQUIRED_ENV;
  const read = (apps: unknown) =>
    readConfig(
      { ...base, WECHAT_APPS: typeof apps === "string" ? apps : JSON.stringify(apps) },
      "enhanced",
    );
  const app = (n: number, kind = "miniprogram"): Record<string, string> => ({
    appId: `wx${n.toString(16).padStart(16, "0")}`,
    kind,
    secretArn: secretArn(`wechat-${n}`),
  });

  it("reads the apps in order; the default mini-program is the first miniprogram entry", () => {
    const apps = [app(1, "oauth"), app(2), app(3)];
    const c = read(apps);
    expect(c.wechatApps).toEqual(apps);
    expect(c.defaultMiniProgram).toEqual(apps[1]);
  });

  it("has no default mini-program when every app is an OAuth app", () => {
    expect(read([app(1, "oauth")]).defaultMiniProgram).toBeUndefined();
  });

  it("accepts exactly 10 apps (core/quotas MAX_WECHAT_APPS) and the one-app env of the tests", () => {
    expect(read(Array.from({ length: 10 }, (_, i) => app(i + 1))).wechatApps).toHaveLength(10);
    expect(read(wechatAppsEnv()).defaultMiniProgram?.appId).toBe(APP_ID);
  });

  // Values that must never appear in the error: an AppSecret-looking string, ARNs, AppIDs.
  const LEAK = "leak-AppSecret-0123456789";
  it.each<[string, unknown, RegExp]>([
    ["unset", undefined, /WECHAT_APPS is not set \(it replaces WECHAT_APP_ID/],
    ["not JSON", `[{"appId": "${LEAK}"`, /WECHAT_APPS must be a JSON array of 1\.\.10/],
    ["an object", { appId: LEAK }, /WECHAT_APPS must be a JSON array/],
    ["empty", [], /WECHAT_APPS must be a JSON array of 1\.\.10/],
    ["11 apps", Array.from({ length: 11 }, (_, i) => app(i + 1)), /JSON array of 1\.\.10/],
    ["a string entry", [LEAK], /WECHAT_APPS\[0\] is not an object/],
    ["a malformed appId", [{ ...app(1), appId: LEAK }], /WECHAT_APPS\[0\]\.appId must be 'wx'/],
    ["an upper-case appId", [{ ...app(1), appId: "wx0123456789ABCDEF" }], /\[0\]\.appId/],
    [
      "a repeated appId",
      [app(1), app(2), app(1, "oauth")],
      /\[2\]\.appId repeats WECHAT_APPS\[0\]/,
    ],
    ["an unknown kind", [{ ...app(1), kind: LEAK }], /\[0\]\.kind must be miniprogram or oauth/],
    ["no kind", [{ appId: app(1)["appId"], secretArn: app(1)["secretArn"] }], /\[0\]\.kind/],
    ["a secret value as secretArn", [{ ...app(1), secretArn: LEAK }], /\[0\]\.secretArn must be/],
    [
      "another service's ARN",
      [{ ...app(1), secretArn: `arn:${"aws"}:ssm:us-east-1:123456789012:parameter/${LEAK}` }],
      /\[0\]\.secretArn must be a Secrets Manager secret ARN/,
    ],
    ["an extra key", [{ ...app(1), appSecret: LEAK }], /\[0\] has keys other than appId/],
  ])("fails fast at init when it is %s, naming it but never a value", (_label, apps, message) => {
    const env = apps === undefined ? base : { ...base, WECHAT_APPS: JSON.stringify(apps) };
    const withRaw = typeof apps === "string" ? { ...base, WECHAT_APPS: apps } : env;
    let error: unknown;
    try {
      readConfig(withRaw, "enhanced");
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(Error);
    const text = String((error as Error).message);
    expect((error as Error).name).toBe("EnvError");
    expect(text).toMatch(message);
    for (const value of [LEAK, "wx0123456789ABCDEF", "123456789012", "wechat-1"]) {
      expect(text).not.toContain(value);
    }
  });

  it("no longer reads WECHAT_APP_ID / WECHAT_SECRET_ARN", () => {
    const old = { ...base, WECHAT_APP_ID: APP_ID, WECHAT_SECRET_ARN: secretArn("wechat") };
    expect(() => readConfig(old, "enhanced")).toThrow(/WECHAT_APPS is not set/);
  });
});

describe("OAuth adapter (sns/oauth2/access_token)", () => {
  const oauth = (wechat = new FakeWechat()) =>
    wechat.client(undefined, { appId: OAUTH_APP_ID, kind: "oauth" });

  it("sends appid, secret, code and grant_type to the OAuth endpoint, and returns only openid and unionid", async () => {
    const wechat = new FakeWechat();
    wechat.codes.set("oc", { openid: "oOauth_0001", unionid: "uShared_0001" });
    const session = await oauth(wechat).exchangeCode("oc", signal);
    expect(session).toEqual({ openid: "oOauth_0001", unionid: "uShared_0001" });
    const url = wechat.calls[0];
    expect(url?.pathname).toBe("/sns/oauth2/access_token");
    expect(Object.fromEntries(url?.searchParams ?? [])).toEqual({
      appid: OAUTH_APP_ID,
      secret: APP_SECRET,
      code: "oc",
      grant_type: "authorization_code",
    });
    // access_token, refresh_token, expires_in and scope stay inside the adapter.
    expect(Object.keys(session).sort()).toEqual(["openid", "unionid"]);
    expectNoSecrets([JSON.stringify(session)]);
  });

  it("the mini-program adapter still calls jscode2session with js_code", async () => {
    const wechat = new FakeWechat();
    wechat.codes.set("mc", { openid: "oMini_0001" });
    expect(await wechat.client().exchangeCode("mc", signal)).toEqual({
      openid: "oMini_0001",
      unionid: undefined,
    });
    expect(wechat.calls[0]?.pathname).toBe("/sns/jscode2session");
    expect(wechat.calls[0]?.searchParams.get("js_code")).toBe("mc");
    expect(wechat.calls[0]?.searchParams.has("code")).toBe(false);
  });

  it.each(["miniprogram", "oauth"] as const)(
    "%s: a code with query characters (+ & = %% # ?) reaches WeChat unchanged",
    async (kind) => {
      const wechat = new FakeWechat();
      const code = "a+b&c=d%20e#f?g/h";
      wechat.codes.set(code, { openid: "oQuery_0001" });
      const appId = kind === "oauth" ? OAUTH_APP_ID : undefined;
      const client = appId ? wechat.client(undefined, { appId, kind }) : wechat.client();
      await client.exchangeCode(code, signal);
      const params = wechat.calls[0]?.searchParams;
      expect(params?.get(kind === "oauth" ? "code" : "js_code")).toBe(code);
      expect(params?.get("secret")).toBe(APP_SECRET);
      expect([...(params?.keys() ?? [])]).toHaveLength(4);
    },
  );

  it.each<[string, Record<string, unknown>, { openid: string; unionid: string | undefined }]>([
    [
      "the documented reply with unionid",
      {
        access_token: OAUTH_ACCESS_TOKEN,
        expires_in: 7200,
        refresh_token: OAUTH_REFRESH_TOKEN,
        openid: "oA",
        scope: "snsapi_userinfo",
        unionid: "uA",
      },
      { openid: "oA", unionid: "uA" },
    ],
    [
      "a reply without unionid (app not bound to an Open Platform account)",
      { access_token: OAUTH_ACCESS_TOKEN, refresh_token: OAUTH_REFRESH_TOKEN, openid: "oB" },
      { openid: "oB", unionid: undefined },
    ],
    [
      "unionid null",
      { access_token: "t", openid: "oC", unionid: null },
      { openid: "oC", unionid: undefined },
    ],
    [
      "errcode 0 as a string",
      { errcode: "0", openid: "oD", scope: "snsapi_login" },
      { openid: "oD", unionid: undefined },
    ],
  ])("reads %s", async (_label, reply, expected) => {
    const wechat = new FakeWechat();
    wechat.codes.set("c", { raw: JSON.stringify(reply) });
    expect(await oauth(wechat).exchangeCode("c", signal)).toEqual(expected);
  });

  it.each<[number, number, string]>([
    [40029, 401, "INVALID_CODE"], // invalid oauth_code
    [40163, 401, "INVALID_CODE"], // oauth_code already used
    [42003, 401, "INVALID_CODE"], // oauth_code expired
    [40013, 500, "INTERNAL"], // invalid appid: our configuration
    [-1, 503, "UPSTREAM_UNAVAILABLE"],
    [45011, 429, "RATE_LIMITED"],
  ])("maps OAuth errcode %d to %d %s", async (errcode, status, code) => {
    const wechat = new FakeWechat();
    wechat.codes.set("c", { errcode });
    expect(await failureOf(oauth(wechat).exchangeCode("c", signal))).toEqual({ status, code });
  });

  it("names the app whose configuration WeChat rejects (an operator sees which secret to fix)", async () => {
    const wechat = new FakeWechat();
    wechat.codes.set("c", { errcode: 40013 });
    const err: unknown = await oauth(wechat)
      .exchangeCode("c", signal)
      .catch((e: unknown) => e);
    expect((err as { detail?: string }).detail).toBe(
      `wechat rejected our configuration of app ${OAUTH_APP_ID} (errcode 40013)`,
    );
    expect((err as Error).message).toBe("Internal error.");
  });

  it("maps 42003 on the mini-program route too (the codes are WeChat-wide)", async () => {
    const wechat = new FakeWechat();
    wechat.codes.set("c", { errcode: 42003 });
    expect(await failureOf(wechat.client().exchangeCode("c", signal))).toEqual({
      status: 401,
      code: "INVALID_CODE",
    });
  });

  it.each([
    ["no openid", { access_token: OAUTH_ACCESS_TOKEN, unionid: "u" }],
    ["an openid with a space", { openid: "o x" }],
    ["an array", [{ openid: "o" }]],
  ])("answers 503 on a reply with %s", async (_label, reply) => {
    const wechat = new FakeWechat();
    wechat.codes.set("c", { raw: JSON.stringify(reply) });
    expect(await failureOf(oauth(wechat).exchangeCode("c", signal))).toEqual({
      status: 503,
      code: "UPSTREAM_UNAVAILABLE",
    });
  });

  it("re-reads a rotated AppSecret and retries the same code, as for a mini-program", async () => {
    const wechat = new FakeWechat();
    wechat.codes.set("c", { openid: "oR", unionid: "uR" });
    const client = wechat.client(async (o) => (o?.forceFetch ? APP_SECRET : "old"), {
      appId: OAUTH_APP_ID,
      kind: "oauth",
    });
    expect(await client.exchangeCode("c", signal)).toEqual({ openid: "oR", unionid: "uR" });
    expect(wechat.calls.map((u) => u.searchParams.get("secret"))).toEqual(["old", APP_SECRET]);
  });

  it("keeps each app's rotation state apart: a rejected secret of one app forces no re-read of another", async () => {
    const wechat = new FakeWechat();
    wechat.codes.set("c1", { openid: "o1" });
    wechat.codes.set("c2", { openid: "o2" });
    const forced: string[] = [];
    const getter = (app: string, value: string) => async (o?: { forceFetch?: boolean }) => {
      if (o?.forceFetch) forced.push(app);
      return o?.forceFetch ? APP_SECRET : value;
    };
    const mini = wechat.client(getter("mini", "old"), { appId: APP_ID });
    const app = wechat.client(getter("oauth", APP_SECRET), { appId: OAUTH_APP_ID, kind: "oauth" });
    await mini.exchangeCode("c1", signal);
    await app.exchangeCode("c2", signal);
    expect(forced).toEqual(["mini"]);
  });
});

describe("routes (routeKey) and apps (appId)", () => {
  const UNION = { openid: "oRoute_0001", unionid: "uRoute_0001" };
  const call = async (h: Harness, event: unknown) => parse(await h.handler(event, CONTEXT));

  it("serves the mini-program route: {code} is the default mini-program, {code, appId} that app", async () => {
    const h = harness("enhanced", { userKey: "openid" });
    h.wechat.codes.set("a", { openid: "oA" });
    h.wechat.codes.set("b", { openid: "oB" });
    expect((await call(h, loginEvent({ code: "a" }))).statusCode).toBe(200);
    expect((await call(h, loginEvent({ code: "b", appId: MINI_B_APP_ID }))).statusCode).toBe(200);
    expect([...h.mapping.rows.keys()]).toEqual([
      `wechat-open#${APP_ID}#oA`,
      `wechat-open#${MINI_B_APP_ID}#oB`,
    ]);
    expect([...h.mapping.rows.values()].map((r) => r.appId)).toEqual([APP_ID, MINI_B_APP_ID]);
    expect(h.wechat.calls.map((u) => [u.pathname, u.searchParams.get("appid")])).toEqual([
      ["/sns/jscode2session", APP_ID],
      ["/sns/jscode2session", MINI_B_APP_ID],
    ]);
  });

  it("treats an event without routeKey (a direct invoke) as the mini-program route", async () => {
    const h = harness("enhanced");
    h.wechat.codes.set("a", UNION);
    const event = loginEvent({ code: "a" });
    delete event["routeKey"];
    expect((await call(h, event)).statusCode).toBe(200);
    expect(h.wechat.calls[0]?.pathname).toBe("/sns/jscode2session");
  });

  it("serves the OAuth route with {appId, code}: the OAuth exchange, the app's row", async () => {
    const h = harness("basic");
    h.wechat.codes.set("o", UNION);
    const res = await call(h, oauthEvent(OAUTH_APP_ID, "o"));
    expect(res.statusCode).toBe(200);
    expect(h.wechat.calls.map((u) => [u.pathname, u.searchParams.get("appid")])).toEqual([
      ["/sns/oauth2/access_token", OAUTH_APP_ID],
    ]);
    expect(h.mapping.rows.get(`wechat-union#${UNION.unionid}`)?.appId).toBe(OAUTH_APP_ID);
    expect(h.sts.calls).toHaveLength(1);
    expect(res.body["credentials"]).toBeDefined();
    expectNoSecrets([h.logger.text()]);
  });

  it("never returns, logs or stores the OAuth access_token or refresh_token", async () => {
    const h = harness("enhanced", { userKey: "openid" });
    h.wechat.codes.set("o", { openid: "oTok_0001" });
    const res = await h.handler(oauthEvent(OAUTH_APP_ID, "o"), CONTEXT);
    expect(res.statusCode).toBe(200);
    const stored = JSON.stringify([...h.mapping.rows.values()]);
    for (const text of [res.body, h.logger.text(), stored, JSON.stringify(h.cognito.calls)]) {
      expect(text).not.toContain(OAUTH_ACCESS_TOKEN);
      expect(text).not.toContain(OAUTH_REFRESH_TOKEN);
    }
  });

  it.each<[string, () => Record<string, unknown>]>([
    ["an OAuth login without appId", () => oauthEvent(undefined, "c")],
    ["an OAuth login naming a mini-program", () => oauthEvent(APP_ID, "c")],
    ["an OAuth login naming another stack's app", () => oauthEvent("wx9999999999999999", "c")],
    [
      "a mini-program login naming the OAuth app",
      () => loginEvent({ code: "c", appId: OAUTH_APP_ID }),
    ],
    [
      "a mini-program login naming an unknown app",
      () => loginEvent({ code: "c", appId: "wxffffffffffffffff" }),
    ],
    ["an appId that is not a string", () => loginEvent({ code: "c", appId: 42 })],
    ["an appId of null", () => loginEvent({ code: "c", appId: null })],
  ])("answers 400 UNKNOWN_APP to %s, before WeChat, never echoing the value", async (_l, event) => {
    const h = harness("enhanced");
    h.wechat.codes.set("c", UNION);
    const raw = await h.handler(event(), CONTEXT);
    const res = parse(raw);
    expect(res.statusCode).toBe(400);
    expect(errorOf(res)).toEqual({
      code: "UNKNOWN_APP",
      message: "The appId is not an app of this stack.",
      requestId: "aws-req-1",
    });
    expect(raw.body).not.toMatch(/wx[0-9a-f]{16}/);
    expect(h.wechat.calls).toHaveLength(0);
    expect(h.cognito.calls).toHaveLength(0);
  });

  it("answers 400 UNKNOWN_APP to {code} on a stack whose only apps are OAuth apps", async () => {
    const apps: WechatApp[] = [TEST_APPS[1] as WechatApp];
    const h = harness("enhanced", { wechatApps: apps });
    h.wechat.codes.set("c", UNION);
    expect(errorOf(await call(h, loginEvent({ code: "c" }))).code).toBe("UNKNOWN_APP");
    expect((await call(h, oauthEvent(OAUTH_APP_ID, "c"))).statusCode).toBe(200);
  });

  it.each([
    ["another method", "GET /login/wechat"],
    ["another path", "POST /login/wechat/other"],
    ["the default route", "$default"],
    ["the account route", "DELETE /account"],
    ["a non-string routeKey", 7],
  ])("answers 404 UNKNOWN_ROUTE to %s, before anything else", async (_label, key) => {
    const h = harness("enhanced");
    h.wechat.codes.set("c", UNION);
    const res = await call(h, loginEvent({ code: "c" }, { routeKey: key }));
    expect(res.statusCode).toBe(404);
    expect(errorOf(res).code).toBe("UNKNOWN_ROUTE");
    expect(errorOf(res).message).toBe("This route is not served by the login function.");
    expect(h.wechat.calls).toHaveLength(0);
  });

  it("checks the body before the app: a malformed OAuth body is 400 INVALID_REQUEST with the route's shape", async () => {
    const h = harness("enhanced");
    const res = await call(h, oauthEvent(OAUTH_APP_ID, "has space"));
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).code).toBe("INVALID_REQUEST");
    expect(errorOf(res).message).toContain('{"appId": "<AppID>", "code": "<OAuth code>"}');
  });

  it("uses the routes of core/routes.ts", () => {
    expect(routeKey(LOGIN_ROUTES.miniprogram)).toBe("POST /login/wechat");
    expect(routeKey(LOGIN_ROUTES.oauth)).toBe("POST /login/wechat/oauth");
    expect(oauthEvent(OAUTH_APP_ID, "c")["routeKey"]).toBe(routeKey(LOGIN_ROUTES.oauth));
    // Each route serves the app kind it is named after.
    expect(Object.keys(LOGIN_ROUTES).sort()).toEqual([...WECHAT_APP_KINDS].sort());
  });

  it("runs each app's exchange with that app's own AppSecret reads", async () => {
    const reads: string[] = [];
    const wechat = new FakeWechat();
    const ports = new Map(
      TEST_APPS.map((a) => [
        a.appId,
        wechat.client(
          async () => {
            reads.push(a.appId);
            return APP_SECRET;
          },
          { appId: a.appId, kind: a.kind, get: fetchAsGet(wechat.fetch) },
        ),
      ]),
    );
    const h = harness("enhanced", {}, { wechat: ports });
    wechat.codes.set("x", UNION);
    expect((await call(h, oauthEvent(OAUTH_APP_ID, "x"))).statusCode).toBe(200);
    expect(reads).toEqual([OAUTH_APP_ID]);
  });
});
