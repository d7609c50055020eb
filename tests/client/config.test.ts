/** The client kit reads the granted storage and tables from the app config (optional). */
import { checkAppConfig } from "../../client/config";
import { AuthError } from "../../client/errors";
import { appConfig } from "./fakes";

describe.each(["us-east-1", "cn-north-1"])("app config grants in %s", (region) => {
  const base = appConfig({ region, flow: "enhanced", auth: "none" });
  const storage = [
    {
      role: "authenticated",
      bucket: "b-files",
      prefix: "users",
      access: "read-write",
      perIdentity: true,
    },
  ];

  it("passes storage and tables through, and leaves them undefined when absent", () => {
    const tables = [{ role: "authenticated", table: "notes", access: "read" }];
    const config = checkAppConfig({ ...base, storage, tables });
    expect(config.storage).toEqual(storage);
    expect(config.tables).toEqual(tables);
    expect(checkAppConfig(base).storage).toBeUndefined();
  });

  it("refuses a malformed entry with one line naming it", () => {
    const bad = { ...base, storage: [{ ...storage[0], access: "all" }] };
    expect(() => checkAppConfig(bad)).toThrow(AuthError);
    expect(() => checkAppConfig(bad)).toThrow(
      "App config: 'storage[0].access' is missing or not valid",
    );
  });
});

describe("app config login route", () => {
  const base = appConfig({ region: "us-east-1", flow: "enhanced", auth: "none" });

  it("keeps the mini-program route's AppIDs, default first", () => {
    expect(checkAppConfig(base).login.appIds).toEqual(["wx8f3a61c2d94be705"]);
  });

  it("refuses a config without the mini-program route, naming what the stack lacks", () => {
    const { login: _login, ...oauthOnly } = base;
    expect(() => checkAppConfig(oauthOnly)).toThrow(AuthError);
    expect(() => checkAppConfig(oauthOnly)).toThrow(
      /^App config: 'login' is missing: the stack has no mini-program app, .*wechatApps entry of kind miniprogram.*Fix: use the JSON that `npm run app-config` writes/,
    );
  });

  it.each([[[]], [["wx12"]], ["wx8f3a61c2d94be705"], [undefined]])(
    "refuses login.appIds %j",
    (appIds) => {
      expect(() => checkAppConfig({ ...base, login: { ...base.login, appIds } })).toThrow(
        "App config: 'login.appIds' is not a list of the route's WeChat AppIDs",
      );
    },
  );
});
