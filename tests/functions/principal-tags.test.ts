/** Attributes for access control: principal tags on the token, only when the stack opts in. */
import { readConfig } from "../../functions/login/config";
import { makeCognitoIdentity } from "../../functions/login/cognito";
import { FakeAwsClient } from "./fake-aws-client";
import {
  APP_ID,
  CONTEXT,
  OAUTH_APP_ID,
  REQUIRED_ENV,
  harness,
  loginEvent,
  oauthEvent,
  wechatAppsEnv,
} from "./support";

const UNION = { openid: "oOpenId_abcdefghijklmnopqrstu", unionid: "oUnion_ABCDEFGHIJKLMNOPQRSTUV" };
const OPEN_ONLY = { openid: "oOpenId_zyxwvutsrqponmlkjihgf" };

describe("principal tags", () => {
  it("passes the AppID and the user-key kind, never the WeChat ids, when opted in", async () => {
    const h = harness("enhanced", { principalTags: true });
    h.wechat.codes.set("u", UNION);
    h.wechat.codes.set("o", OPEN_ONLY);
    expect((await h.handler(loginEvent({ code: "u" }), CONTEXT)).statusCode).toBe(200);
    expect((await h.handler(loginEvent({ code: "o" }), CONTEXT)).statusCode).toBe(200);
    expect(h.cognito.calls.map((c) => c.principalTags)).toEqual([
      { appId: APP_ID, userKeyKind: "unionid" },
      { appId: APP_ID, userKeyKind: "openid" },
    ]);
    expect(JSON.stringify(h.cognito.calls.map((c) => c.principalTags))).not.toMatch(
      /oOpenId|oUnion/,
    );
  });

  it("tags a login with the AppID of the app it came from (an OAuth app's, a second mini-program's)", async () => {
    const h = harness("enhanced", { principalTags: true });
    h.wechat.codes.set("a", UNION);
    h.wechat.codes.set("b", OPEN_ONLY);
    expect((await h.handler(oauthEvent(OAUTH_APP_ID, "a"), CONTEXT)).statusCode).toBe(200);
    const mini = loginEvent({ code: "b", appId: "wx00000000000000bb" });
    expect((await h.handler(mini, CONTEXT)).statusCode).toBe(200);
    expect(h.cognito.calls.map((c) => c.principalTags)).toEqual([
      { appId: OAUTH_APP_ID, userKeyKind: "unionid" },
      { appId: "wx00000000000000bb", userKeyKind: "openid" },
    ]);
  });

  it("passes no tags by default", async () => {
    const h = harness("enhanced");
    h.wechat.codes.set("u", UNION);
    expect((await h.handler(loginEvent({ code: "u" }), CONTEXT)).statusCode).toBe(200);
    expect(h.cognito.calls[0]).not.toHaveProperty("principalTags");
  });

  it("sends them as PrincipalTags of GetOpenIdTokenForDeveloperIdentity", async () => {
    const mock = new FakeAwsClient();
    mock
      .on("GetOpenIdTokenForDeveloperIdentity")
      .resolves({ IdentityId: "us-east-1:i", Token: "t" });
    const port = makeCognitoIdentity(mock, {
      identityPoolId: "us-east-1:p",
      developerProviderName: "dev",
      tokenDurationSeconds: 900,
    });
    await port.getOpenIdToken(
      { developerUserId: "u", principalTags: { appId: "wx0123456789abcdef" } },
      new AbortController().signal,
    );
    expect(mock.inputs("GetOpenIdTokenForDeveloperIdentity")[0]?.["PrincipalTags"]).toEqual({
      appId: "wx0123456789abcdef",
    });
  });

  it("reads PRINCIPAL_TAGS from the environment (true or false, default false)", () => {
    const env = { ...REQUIRED_ENV, WECHAT_APPS: wechatAppsEnv() };
    expect(readConfig(env, "enhanced").principalTags).toBe(false);
    expect(readConfig({ ...env, PRINCIPAL_TAGS: "true" }, "enhanced").principalTags).toBe(true);
    expect(() => readConfig({ ...env, PRINCIPAL_TAGS: "yes" }, "enhanced")).toThrow(
      /PRINCIPAL_TAGS/,
    );
  });
});
