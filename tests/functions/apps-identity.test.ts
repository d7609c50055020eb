/**
 * One person, several apps of one stack (a mini-program and an Open Platform OAuth app sharing a
 * unionid): one identity, also when both log in at once (docs/users.md, "Unionid migration").
 * In memory, with a seeded random delay on every Cognito and DynamoDB call so that repeated runs
 * walk through different interleavings of the two logins.
 */
import type { MappingPort } from "../../functions/login/ports";
import {
  APP_ID,
  CONTEXT,
  OAUTH_APP_ID,
  harness,
  loginEvent,
  oauthEvent,
  parse,
  sleep,
  type Harness,
} from "./support";

const UNIONID = "uShared_000000000000000000001";
const MINI_OPENID = "oMini_0000000000000000000001";
const APP_OPENID = "oApp_00000000000000000000001";
const UNION_KEY = `wechat-union#${UNIONID}`;
const MINI_KEY = `wechat-open#${APP_ID}#${MINI_OPENID}`;
const APP_KEY = `wechat-open#${OAUTH_APP_ID}#${APP_OPENID}`;

/** mulberry32: a small seeded PRNG, so a failing interleaving can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Delay every Cognito and DynamoDB call by `min`..`max` ms (random per call). */
function jitter(h: Harness, rand: () => number, min: number, max: number): void {
  const delay = () => sleep(min + Math.floor(rand() * (max - min + 1)));
  const wrap = <T extends object>(target: T, names: (keyof T)[]) => {
    for (const name of names) {
      const original = (target[name] as (...a: unknown[]) => Promise<unknown>).bind(target);
      (target as Record<keyof T, unknown>)[name] = async (...args: unknown[]) => {
        await delay();
        return original(...args);
      };
    }
  };
  wrap(h.cognito, ["getOpenIdToken", "merge"]);
  wrap<MappingPort>(h.mapping, ["touch", "create", "replaceIdentity"]);
}

/** WeChat answers the OAuth app `ms` later than the mini-program. */
function lagApp(h: Harness, ms: number): void {
  const oauth = h.wechatPorts.get(OAUTH_APP_ID);
  if (!oauth) throw new Error("no OAuth port");
  h.wechatPorts.set(OAUTH_APP_ID, {
    exchangeCode: async (c, signal) => {
      await sleep(ms);
      return oauth.exchangeCode(c, signal);
    },
  });
}

/**
 * The delays run on jest's fake clock, so which interleaving a run walks through depends on the
 * seeded delays alone, not on how fast a loaded machine gets to each timer (with real timers the
 * coverage checks below failed about once in 14 full runs at load ~4). Promise jobs and
 * immediates stay real; `settled` moves the clock to the next timer until the logins are done,
 * so a login that waited on anything but these delays would meet its own deadline and fail.
 */
beforeEach(() => {
  jest.useFakeTimers({ doNotFake: ["nextTick", "queueMicrotask", "setImmediate", "hrtime"] });
});
afterEach(() => {
  jest.useRealTimers();
});

async function settled<T>(p: Promise<T>): Promise<T> {
  let done = false;
  const tracked = p.finally(() => {
    done = true;
  });
  while (!done) await jest.advanceTimersToNextTimerAsync();
  return tracked;
}

async function loginOf(h: Harness, event: Record<string, unknown>): Promise<string> {
  const res = parse(await h.handler(event, CONTEXT));
  expect(res.statusCode).toBe(200);
  return String(res.body["identityId"]);
}

/** One login, run to its end on the fake clock. */
const identityOf = (h: Harness, event: Record<string, unknown>) => settled(loginOf(h, event));

/** Two logins that arrive together, run to their ends on the fake clock. */
const together = (h: Harness, a: Record<string, unknown>, b: Record<string, unknown>) =>
  settled(Promise.all([loginOf(h, a), loginOf(h, b)]));

let codes = 0;
/** A fresh code that WeChat answers with `user` (codes are single-use). */
function code(h: Harness, user: { openid: string; unionid?: string }): string {
  const c = `code-${codes++}`;
  h.wechat.codes.set(c, user);
  return c;
}
const mini = (h: Harness, unionid = true) =>
  loginEvent({
    code: code(h, unionid ? { openid: MINI_OPENID, unionid: UNIONID } : { openid: MINI_OPENID }),
  });
const app = (h: Harness, unionid = true) =>
  oauthEvent(
    OAUTH_APP_ID,
    code(h, unionid ? { openid: APP_OPENID, unionid: UNIONID } : { openid: APP_OPENID }),
  );

describe("one person in a mini-program and an OAuth app of the same stack", () => {
  it.each(["enhanced", "basic"] as const)(
    "%s: the same unionid from both apps is ONE identity and one row",
    async (flow) => {
      const h = harness(flow);
      const id = await identityOf(h, mini(h));
      expect(await identityOf(h, app(h))).toBe(id);
      expect(await identityOf(h, mini(h))).toBe(id);
      expect(h.cognito.model.loginsOf(id)).toEqual([UNION_KEY]);
      expect([...h.mapping.rows.keys()]).toEqual([UNION_KEY]);
      // The row records the app that created it.
      expect(h.mapping.rows.get(UNION_KEY)?.appId).toBe(APP_ID);
    },
  );

  it("an OAuth app's openid-only user keeps their identity when its unionid appears", async () => {
    const h = harness("enhanced");
    const id = await identityOf(h, app(h, false));
    expect(h.mapping.rows.get(APP_KEY)?.identityId).toBe(id);
    expect(await identityOf(h, app(h))).toBe(id);
    // ...and the mini-program's first login with the same unionid joins it.
    expect(await identityOf(h, mini(h))).toBe(id);
    expect(h.cognito.model.loginsOf(id)).toEqual([APP_KEY, UNION_KEY].sort());
    expect(h.cognito.merges).toEqual([{ source: UNION_KEY, destination: APP_KEY }]);
  });

  it("first logins from both apps at once (a new person): one identity, one row, 40 interleavings", async () => {
    const rand = prng(11);
    for (let run = 0; run < 40; run++) {
      const h = harness("enhanced");
      jitter(h, rand, 0, 4);
      const [a, b] = await together(h, mini(h), app(h));
      expect(b).toBe(a);
      expect(h.cognito.byUser.get(UNION_KEY)).toBe(a);
      expect(h.mapping.rows.get(UNION_KEY)?.identityId).toBe(a);
      expect(h.cognito.merges).toEqual([]);
    }
  });

  it("both apps at once, the mini-program user openid-only so far: they keep their identity, and everything converges on it (60 interleavings)", async () => {
    const rand = prng(7);
    const outcomes = { appGotOpenidIdentity: 0, appGotFreshIdentity: 0, moved: 0, repaired: 0 };
    for (let run = 0; run < 60; run++) {
      const h = harness(run % 2 === 0 ? "enhanced" : "basic");
      const openidIdentity = await identityOf(h, mini(h, false));
      // Both requests arrive together. WeChat answers the mini-program at once and the OAuth
      // app 0..16 ms later; every Cognito and DynamoDB call takes 2..4 ms. So the mini-program's
      // read of the unionid row always precedes the OAuth login's row write (3 steps later):
      // both logins are in flight together (not the sequential "limit" below), and the OAuth
      // login's steps fall anywhere among the migration's.
      jitter(h, rand, 2, 4);
      lagApp(h, Math.floor(rand() * 17));
      const [fromMini, fromApp] = await together(h, mini(h), app(h));
      expect(fromMini).toBe(openidIdentity);
      // Converged right away: Cognito, the unionid row and the openid row agree.
      expect(h.cognito.byUser.get(UNION_KEY)).toBe(openidIdentity);
      expect(h.mapping.rows.get(UNION_KEY)?.identityId).toBe(openidIdentity);
      expect(h.mapping.rows.get(MINI_KEY)?.identityId).toBe(openidIdentity);
      if (fromApp === openidIdentity) {
        outcomes.appGotOpenidIdentity++;
      } else {
        // The OAuth login finished before the merge: it got the unionid key's fresh identity for
        // that one login, which the merge then left without logins.
        outcomes.appGotFreshIdentity++;
        expect(h.cognito.model.loginsOf(fromApp)).toEqual([]);
      }
      // The OAuth login's second question found the merge (no repair needed)...
      if (h.logger.text().includes("identity_moved_meanwhile")) outcomes.moved++;
      // ...or a login found the other's row naming the superseded identity and repaired it.
      if (h.logger.text().includes("mapping_identity_mismatch_repaired")) outcomes.repaired++;
      // Every later login of either app gets the openid user's identity.
      expect(await identityOf(h, app(h))).toBe(openidIdentity);
      expect(await identityOf(h, mini(h))).toBe(openidIdentity);
      expect(h.cognito.model.loginsOf(openidIdentity)).toEqual([MINI_KEY, UNION_KEY].sort());
      for (const s of [MINI_OPENID, APP_OPENID, UNIONID]) expect(h.logger.text()).not.toContain(s);
    }
    // The runs walked through both orders, and through the "ask Cognito once more" path.
    expect(outcomes.appGotOpenidIdentity).toBeGreaterThan(0);
    expect(outcomes.appGotFreshIdentity).toBeGreaterThan(0);
    expect(outcomes.moved).toBeGreaterThan(0);
    expect(outcomes.repaired).toBeGreaterThan(0);
  });

  it("a row that lost the create to the other app's row, or disagrees with Cognito, is never repaired back to a superseded identity", async () => {
    const rand = prng(3);
    for (let run = 0; run < 30; run++) {
      const h = harness("enhanced");
      const openidIdentity = await identityOf(h, mini(h, false));
      jitter(h, rand, 2, 4);
      lagApp(h, Math.floor(rand() * 17));
      const replaced: string[] = [];
      const replace = h.mapping.replaceIdentity.bind(h.mapping);
      h.mapping.replaceIdentity = async (pk, oldId, newId, nowIso, signal) => {
        replaced.push(newId);
        return replace(pk, oldId, newId, nowIso, signal);
      };
      await together(h, mini(h), app(h));
      // A repair only ever points the row at Cognito's current answer.
      for (const id of replaced) expect(id).toBe(openidIdentity);
    }
  });

  it("both apps with an openid-only user each (two identities already): at once, they end on ONE identity", async () => {
    const rand = prng(5);
    for (let run = 0; run < 30; run++) {
      const h = harness("enhanced");
      const miniIdentity = await identityOf(h, mini(h, false));
      const appIdentity = await identityOf(h, app(h, false));
      jitter(h, rand, 0, 4);
      await together(h, mini(h), app(h));
      const final = h.cognito.byUser.get(UNION_KEY);
      expect([miniIdentity, appIdentity]).toContain(final);
      expect(h.mapping.rows.get(UNION_KEY)?.identityId).toBe(final);
      expect(await identityOf(h, app(h))).toBe(final);
      expect(await identityOf(h, mini(h))).toBe(final);
    }
  });

  it.each(["enhanced", "basic"] as const)(
    "%s: when the identity moved between Cognito's first and second answer, the login answers with the newer one (basic: STS again for it)",
    async (flow) => {
      const h = harness(flow);
      const openidIdentity = await identityOf(h, mini(h, false));
      // Right after the OAuth login's first Cognito answer, the mini-program's concurrent login
      // merges the unionid key into the openid identity and writes the unionid row.
      const getToken = h.cognito.getOpenIdToken.bind(h.cognito);
      let first = true;
      h.cognito.getOpenIdToken = async (input, signal) => {
        const answer = await getToken(input, signal);
        if (first && input.developerUserId === UNION_KEY) {
          first = false;
          h.cognito.model.merge(UNION_KEY, MINI_KEY);
          const row = h.mapping.rows.get(MINI_KEY);
          if (!row) throw new Error("no openid row");
          h.mapping.rows.set(UNION_KEY, { ...row, pk: UNION_KEY, unionid: UNIONID });
        }
        return answer;
      };
      const stsBefore = h.sts.calls.length;
      expect(await identityOf(h, app(h))).toBe(openidIdentity);
      expect(h.logger.text()).toContain("identity_moved_meanwhile");
      expect(h.logger.text()).not.toContain("mapping_identity_mismatch_repaired");
      expect(h.mapping.rows.get(UNION_KEY)?.identityId).toBe(openidIdentity);
      if (flow === "basic") {
        // The first answer's credentials were for the superseded identity: STS ran again.
        expect(h.sts.calls.length - stsBefore).toBe(2);
        expect(h.sts.calls.at(-1)?.token).toBe(h.cognito.tokens.at(-1));
        expect(h.sts.calls.at(-1)?.roleSessionName).toContain(openidIdentity.split(":")[1]);
      }
    },
  );

  it("limit (documented): when the OAuth app sees the unionid first, the mini-program's openid identity stays apart", async () => {
    const h = harness("enhanced");
    const openidIdentity = await identityOf(h, mini(h, false));
    const unionIdentity = await identityOf(h, app(h));
    expect(unionIdentity).not.toBe(openidIdentity);
    // The mini-program now finds the unionid row: the person is the unionid identity from here.
    expect(await identityOf(h, mini(h))).toBe(unionIdentity);
    expect(h.cognito.model.loginsOf(openidIdentity)).toEqual([MINI_KEY]);
    expect(h.cognito.merges).toEqual([]);
  });
});
