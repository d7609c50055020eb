/** Account deletion: the route's use case over the Cognito model and the mapping fake. */
import { makeAccountHandler, type AccountHandler } from "../../functions/account/handler";
import { identityTag } from "../../functions/account/deleteAccount";
import { FakeAccountIdentity, FakeAccountTable, signedEvent } from "./account-fakes";
import {
  CONTEXT,
  CapturingLogger,
  POOL_ID,
  errorOf,
  guestEvent,
  harness,
  loginEvent,
  parse,
  type Harness,
} from "./support";

interface World {
  h: Harness;
  del: AccountHandler;
  identity: FakeAccountIdentity;
  logger: CapturingLogger;
}

function world(): World {
  const h = harness("enhanced");
  const identity = new FakeAccountIdentity(h.cognito.model);
  const logger = new CapturingLogger();
  const del = makeAccountHandler({
    identityPoolId: POOL_ID,
    identity,
    table: new FakeAccountTable(h.mapping),
    logger,
  });
  return { h, del, identity, logger };
}

async function loginAs(h: Harness, code: string, user: { openid: string; unionid?: string }) {
  h.wechat.codes.set(code, user);
  const res = parse(await h.handler(loginEvent({ code }), CONTEXT));
  expect(res.statusCode).toBe(200);
  return String(res.body["identityId"]);
}

const ALICE = { openid: "o-alice-openid", unionid: "u-alice-unionid" };
const BOB = { openid: "o-bob-openid", unionid: "u-bob-unionid" };

describe("account deletion", () => {
  it("unlinks the caller's logins, deletes the identity and its rows, and answers JSON", async () => {
    const { h, del } = world();
    const alice = await loginAs(h, "c1", ALICE);
    expect(h.cognito.model.loginsOf(alice)).toHaveLength(1);

    const res = parse(await del(signedEvent(alice), CONTEXT));
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("application/json");
    expect(res.body).toEqual({ deleted: true, identityId: alice });
    expect(h.cognito.model.logins.has(alice)).toBe(false);
    expect(h.cognito.model.byUser.size).toBe(0);
    expect([...h.mapping.rows.values()].filter((r) => r.identityId === alice)).toEqual([]);
  });

  it("is idempotent: a second deletion succeeds and changes nothing", async () => {
    const { h, del } = world();
    const alice = await loginAs(h, "c1", ALICE);
    const bob = await loginAs(h, "c2", BOB);
    expect(parse(await del(signedEvent(alice), CONTEXT)).statusCode).toBe(200);
    const again = parse(await del(signedEvent(alice), CONTEXT));
    expect(again.statusCode).toBe(200);
    expect(again.body).toEqual({ deleted: true, identityId: alice });
    expect(h.cognito.model.loginsOf(bob)).toHaveLength(1);
  });

  it("gives the same WeChat user a fresh identity on the next login", async () => {
    const { h, del } = world();
    const first = await loginAs(h, "c1", ALICE);
    await del(signedEvent(first), CONTEXT);
    h.wechat.codes.set("c2", ALICE);
    const res = parse(await h.handler(loginEvent({ code: "c2" }), CONTEXT));
    expect(res.statusCode).toBe(200);
    const second = String(res.body["identityId"]);
    expect(second).not.toBe(first);
    expect(h.mapping.rows.get("wechat-union#u-alice-unionid")?.identityId).toBe(second);
  });

  it("never touches another identity: the IdentityId comes from the authorizer, not the body", async () => {
    const { h, del } = world();
    const alice = await loginAs(h, "c1", ALICE);
    const bob = await loginAs(h, "c2", BOB);
    const res = parse(
      await del(signedEvent(alice, undefined, POOL_ID, { identityId: bob }), CONTEXT),
    );
    expect(res.statusCode).toBe(200);
    expect(h.cognito.model.loginsOf(bob)).toEqual(["wechat-union#u-bob-unionid"]);
    expect(h.mapping.rows.get("wechat-union#u-bob-unionid")?.identityId).toBe(bob);
  });

  it("leaves a login Cognito maps to another identity alone, even if a stale row names ours", async () => {
    const { h, del, identity } = world();
    const alice = await loginAs(h, "c1", ALICE);
    const bob = await loginAs(h, "c2", BOB);
    // A stale row: it names Alice's identity, Cognito maps the login to Bob's.
    const bobRow = h.mapping.rows.get("wechat-union#u-bob-unionid");
    if (!bobRow) throw new Error("no row");
    h.mapping.rows.set(bobRow.pk, { ...bobRow, identityId: alice });
    await del(signedEvent(alice), CONTEXT);
    expect(identity.calls.filter((c) => c.startsWith("unlink"))).toEqual([
      `unlink ${alice} wechat-union#u-alice-unionid`,
    ]);
    expect(h.cognito.model.loginsOf(bob)).toEqual(["wechat-union#u-bob-unionid"]);
  });

  it("deletes the guest claim item of an upgraded guest identity", async () => {
    const { h, del } = world();
    const guest = h.cognito.model.createGuest();
    h.wechat.codes.set("g1", ALICE);
    const res = parse(await h.handler(guestEvent("g1", guest), CONTEXT));
    expect(res.body["identityId"]).toBe(guest);
    expect(h.mapping.claims.has(guest)).toBe(true);
    await del(signedEvent(guest), CONTEXT);
    expect(h.mapping.claims.has(guest)).toBe(false);
    expect(h.cognito.model.logins.has(guest)).toBe(false);
  });

  it.each([
    ["a guest", signedEvent("us-east-1:0f3c5c2e-aaaa-4222-8333-444455556666", ["unauthenticated"])],
    [
      "another pool",
      signedEvent(
        "us-east-1:0f3c5c2e-aaaa-4222-8333-444455556666",
        undefined,
        "us-east-1:0f3c5c2e-9999-4222-8333-444455556666",
      ),
    ],
    ["an unsigned request", loginEvent("{}")],
    ["a malformed IdentityId", signedEvent("not-an-identity")],
    [
      "an IdentityId of another region",
      signedEvent("eu-west-1:0f3c5c2e-aaaa-4222-8333-444455556666"),
    ],
  ])("refuses %s with 403 NOT_AUTHENTICATED and deletes nothing", async (_what, event) => {
    const { h, del, identity } = world();
    const alice = await loginAs(h, "c1", ALICE);
    const res = parse(await del(event, CONTEXT));
    expect(res.statusCode).toBe(403);
    expect(errorOf(res).code).toBe("NOT_AUTHENTICATED");
    expect(identity.calls).toEqual([]);
    expect(h.cognito.model.loginsOf(alice)).toHaveLength(1);
  });

  it("logs account_deleted with a tag only: no IdentityId, openid or unionid", async () => {
    const { h, del, logger } = world();
    const alice = await loginAs(h, "c1", ALICE);
    await del(signedEvent(alice), CONTEXT);
    const text = logger.text();
    expect(text).toContain("account_deleted");
    expect(text).toContain(identityTag(alice));
    for (const s of [alice, ALICE.openid, ALICE.unionid]) expect(text).not.toContain(s);
  });

  it("answers 503 with Retry-After when Cognito is unavailable, and a retry finishes the job", async () => {
    const { h, del, identity } = world();
    const alice = await loginAs(h, "c1", ALICE);
    const original = identity.deleteIdentity.bind(identity);
    const { UpstreamUnavailableError } = await import("../../functions/login/errors");
    identity.deleteIdentity = async () => {
      throw new UpstreamUnavailableError("cognito-identity (InternalErrorException)", 1);
    };
    const res = parse(await del(signedEvent(alice), CONTEXT));
    expect(res.statusCode).toBe(503);
    expect(res.headers["retry-after"]).toBe("1");
    identity.deleteIdentity = original;
    expect(parse(await del(signedEvent(alice), CONTEXT)).statusCode).toBe(200);
    expect(h.cognito.model.logins.has(alice)).toBe(false);
    expect(h.mapping.rows.size).toBe(0);
  });
});
