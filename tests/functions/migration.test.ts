/** Unionid migration: an openid-only user keeps their IdentityId when WeChat starts sending a unionid. */
import { CONTEXT, guestEvent, harness, loginEvent, parse, type Harness } from "./support";

const APP = "wx0123456789abcdef";
const APP_B = "wx00000000000000bb";
const OPENID = "oUserM_00000000000000000000001";
const UNIONID = "uUserM_0000000000000000000001";
const OPEN_KEY = `wechat-open#${APP}#${OPENID}`;
const UNION_KEY = `wechat-union#${UNIONID}`;

async function login(h: Harness, code: string, user: { openid: string; unionid?: string }) {
  h.wechat.codes.set(code, user);
  const res = parse(await h.handler(loginEvent({ code }), CONTEXT));
  expect(res.statusCode).toBe(200);
  return String(res.body["identityId"]);
}

describe("unionid migration", () => {
  it("keeps the IdentityId, links the unionid key to it and writes the unionid row", async () => {
    const h = harness("enhanced");
    const before = await login(h, "c1", { openid: OPENID });
    expect(h.mapping.rows.get(OPEN_KEY)?.identityId).toBe(before);
    const after = await login(h, "c2", { openid: OPENID, unionid: UNIONID });
    expect(after).toBe(before);
    expect(h.cognito.model.loginsOf(before)).toEqual([OPEN_KEY, UNION_KEY].sort());
    expect(h.mapping.rows.get(UNION_KEY)?.identityId).toBe(before);
    expect(h.mapping.rows.get(OPEN_KEY)?.identityId).toBe(before);
    expect(h.logger.text()).toContain("unionid_migrated");
    for (const s of [OPENID, UNIONID]) expect(h.logger.text()).not.toContain(s);
  });

  it("is a one-time step: the next login is a returning user's two serial waits", async () => {
    const h = harness("enhanced");
    const id = await login(h, "c1", { openid: OPENID });
    await login(h, "c2", { openid: OPENID, unionid: UNIONID });
    h.events.length = 0;
    const merges = h.cognito.merges.length;
    expect(await login(h, "c3", { openid: OPENID, unionid: UNIONID })).toBe(id);
    expect(h.events.slice(0, 2)).toEqual(["wechat:start", "wechat:end"]);
    expect(h.events.slice(2).sort()).toEqual([
      "cognito:end",
      "cognito:start",
      "touch:end",
      "touch:start",
    ]);
    expect(h.cognito.merges).toHaveLength(merges);
  });

  it("is safe under concurrent logins of the same user: one identity, one unionid row", async () => {
    const h = harness("enhanced");
    const id = await login(h, "c0", { openid: OPENID });
    h.cognito.latencyMs = 3;
    h.mapping.latencyMs = 2;
    const codes = Array.from({ length: 8 }, (_, i) => `k${i}`);
    for (const c of codes) h.wechat.codes.set(c, { openid: OPENID, unionid: UNIONID });
    const results = await Promise.all(
      codes.map(async (code) => parse(await h.handler(loginEvent({ code }), CONTEXT))),
    );
    for (const r of results) {
      expect(r.statusCode).toBe(200);
      expect(r.body["identityId"]).toBe(id);
    }
    expect(h.cognito.byUser.get(UNION_KEY)).toBe(id);
    expect(h.mapping.rows.get(UNION_KEY)?.identityId).toBe(id);
  });

  it("converges when two apps log the same person in at once", async () => {
    const a = harness("enhanced");
    const id = await login(a, "c0", { openid: OPENID });
    // App B is a second mini-program of the same stack, with its own openid for the person.
    const b = (ev: Record<string, unknown>, ctx: typeof CONTEXT) =>
      a.handler(
        { ...ev, body: JSON.stringify({ ...JSON.parse(String(ev["body"])), appId: APP_B }) },
        ctx,
      );
    a.cognito.latencyMs = 3;
    a.mapping.latencyMs = 2;
    a.wechat.codes.set("ka", { openid: OPENID, unionid: UNIONID });
    a.wechat.codes.set("kb", { openid: "oAppB_000000000000000000000001", unionid: UNIONID });
    const [ra] = await Promise.all([
      a.handler(loginEvent({ code: "ka" }), CONTEXT),
      b(loginEvent({ code: "kb" }), CONTEXT),
    ]);
    expect(parse(ra).body["identityId"]).toBe(id);
    expect(a.cognito.byUser.get(UNION_KEY)).toBe(id);
    expect(a.mapping.rows.get(UNION_KEY)?.identityId).toBe(id);
    a.wechat.codes.set("kb2", { openid: "oAppB_000000000000000000000001", unionid: UNIONID });
    expect(parse(await b(loginEvent({ code: "kb2" }), CONTEXT)).body["identityId"]).toBe(id);
  });

  it("keeps the user's identity, not the guest's, when an openid-only user signs in as a guest", async () => {
    const h = harness("enhanced");
    const id = await login(h, "c1", { openid: OPENID });
    const guest = h.cognito.model.createGuest();
    h.wechat.codes.set("g", { openid: OPENID, unionid: UNIONID });
    const res = parse(await h.handler(guestEvent("g", guest), CONTEXT));
    expect(res.body["identityId"]).toBe(id);
    expect(h.cognito.model.loginsOf(guest)).toEqual([]);
    expect(h.mapping.claims.size).toBe(0);
    expect(h.mapping.rows.get(UNION_KEY)?.identityId).toBe(id);
    expect(h.cognito.merges).toEqual([]);
  });

  it("leaves a brand-new unionid user alone: no merge, one new identity", async () => {
    const h = harness("enhanced");
    const id = await login(h, "c1", { openid: OPENID, unionid: UNIONID });
    expect(h.cognito.merges).toEqual([]);
    expect(h.mapping.rows.get(UNION_KEY)?.identityId).toBe(id);
    expect(h.mapping.rows.has(OPEN_KEY)).toBe(false);
  });

  it("never migrates with userKey openid", async () => {
    const h = harness("enhanced", { userKey: "openid" });
    const id = await login(h, "c1", { openid: OPENID });
    expect(await login(h, "c2", { openid: OPENID, unionid: UNIONID })).toBe(id);
    expect(h.mapping.rows.has(UNION_KEY)).toBe(false);
    expect(h.cognito.merges).toEqual([]);
  });
});
