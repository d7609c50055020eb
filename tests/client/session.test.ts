/**
 * The kit's behaviour against an in-process stand-in of the login API, Cognito and STS, with a
 * fake clock: sign-in and guest flows in both partitions, caching, refresh, single-flight,
 * backoff, INVALID_CODE, storage corruption, clock skew, sign-out.
 */
import { DevAuthClient, type KitOptions } from "../../client/session";
import { AuthError } from "../../client/errors";
import { memoryStorage, type KitStorage } from "../../client/storage";
import type { LoginAuth, LoginFlow } from "../../core/vocabulary";
import { appConfig, FakeBackend, fakeClock } from "./fakes";

const REGIONS = ["us-east-1", "cn-north-1"] as const;
const MIN = 60_000;

function setup(
  o: { region?: string; flow?: LoginFlow; auth?: LoginAuth; guests?: boolean } = {},
  kitOpts: Partial<KitOptions> = {},
) {
  const clock = fakeClock();
  const config = appConfig({
    region: o.region ?? "us-east-1",
    flow: o.flow ?? "enhanced",
    auth: o.auth ?? "none",
    guests: o.guests,
  });
  const backend = new FakeBackend(config, clock.now);
  const storage = memoryStorage();
  let codesAsked = 0;
  const make = (extra: Partial<KitOptions> = {}) =>
    new DevAuthClient(config, {
      transport: backend.transport,
      storage,
      clock,
      random: () => 0.5,
      getLoginCode: async () => {
        codesAsked++;
        return backend.code();
      },
      ...kitOpts,
      ...extra,
    });
  return { clock, config, backend, storage, kit: make(), make, codesAsked: () => codesAsked };
}

describe.each(REGIONS)("in %s", (region) => {
  it("signs in (enhanced, public route): the login API, then one Cognito exchange with the partition's logins key", async () => {
    const { kit, backend, config } = setup({ region });
    const { identityId } = await kit.signIn(backend.code());
    expect(backend.ops()).toEqual(["Login", "GetCredentialsForIdentity"]);
    const gcfi = JSON.parse(backend.log[1]!.request.body) as { Logins: Record<string, string> };
    expect(Object.keys(gcfi.Logins)).toEqual([config.loginsKey]);
    expect(config.loginsKey).toBe(
      region === "cn-north-1"
        ? "cognito-identity.cn-north-1.amazonaws.com.cn"
        : "cognito-identity.amazonaws.com",
    );
    const creds = await kit.provider();
    expect(backend.issued.get(creds.accessKeyId)).toMatchObject({ identityId, guest: false });
    expect(kit.kind).toBe("user");
  });

  it("cold sign-in on an IAM-authorized route: one round trip (STS) beyond the login API and Cognito, request signed as API Gateway checks it", async () => {
    const { kit, backend } = setup({ region, auth: "iam" });
    const { identityId } = await kit.signIn(backend.code());
    expect(backend.ops()).toEqual([
      "GetId",
      "GetOpenIdToken",
      "AssumeRoleWithWebIdentity",
      "Login",
      "GetCredentialsForIdentity",
    ]);
    const nonCognito = backend
      .ops()
      .filter(
        (op) => !["Login", "GetId", "GetOpenIdToken", "GetCredentialsForIdentity"].includes(op),
      );
    expect(nonCognito).toHaveLength(1);
    // The fake's IAM authorizer accepted the signature, and the guest identity was linked.
    expect(identityId).toBe([...backend.identities.keys()][0]);
    expect(backend.identities.get(identityId)).toBe(true);
  });

  it.each(["none", "iam"] as const)(
    "serves guest credentials (auth %s) and upgrades the guest",
    async (auth) => {
      const { kit, backend, storage, config } = setup({ region, auth, guests: true });
      const guest = await kit.credentials();
      const guestId = kit.identityId as string;
      expect(kit.kind).toBe("guest");
      expect(backend.ops()).toEqual(
        auth === "iam"
          ? ["GetId", "GetOpenIdToken", "AssumeRoleWithWebIdentity"]
          : ["GetId", "GetCredentialsForIdentity"],
      );
      expect(backend.issued.get(guest.accessKeyId)).toMatchObject({
        identityId: guestId,
        guest: true,
      });
      backend.log.length = 0;
      const { identityId } = await kit.signIn(backend.code());
      // A warm upgrade: the cached guest credentials sign; nothing but the login and the exchange.
      expect(backend.ops()).toEqual(["Login", "GetCredentialsForIdentity"]);
      // Only a signed login tells the login function who the guest was (its IAM authorizer):
      // on a public route the user gets their own identity, and the guest one is left behind.
      if (auth === "iam") expect(identityId).toBe(guestId);
      else expect(identityId).not.toBe(guestId);
      const user = await kit.credentials();
      expect(user.accessKeyId).not.toBe(guest.accessKeyId);
      expect(backend.issued.get(user.accessKeyId)?.guest).toBe(false);
      // The guest credentials are gone from storage.
      expect(storage.get(`cognito-devauth:${config.identityPoolId}`)).not.toContain(
        guest.accessKeyId,
      );
    },
  );
});

describe("caching and refresh", () => {
  it("serves cached credentials without a request, also to a new client over the same storage", async () => {
    const { kit, backend, make } = setup();
    await kit.signIn(backend.code());
    const a = await kit.credentials();
    const n = backend.log.length;
    const b = await kit.credentials();
    const c = await make().credentials();
    expect(backend.log).toHaveLength(n);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(a.expiration?.getTime()).toBe(backend.issued.get(a.accessKeyId)?.expiresAt);
  });

  it("refreshes ahead of expiry with the token, once for twenty concurrent callers", async () => {
    const { kit, backend, clock } = setup();
    backend.tokenTtlMs = 2 * 60 * MIN;
    await kit.signIn(backend.code());
    const first = await kit.credentials();
    clock.advance(56 * MIN);
    backend.log.length = 0;
    const all = await Promise.all(Array.from({ length: 20 }, () => kit.credentials()));
    expect(backend.ops()).toEqual(["GetCredentialsForIdentity"]);
    expect(new Set(all.map((c) => c.accessKeyId)).size).toBe(1);
    expect(all[0]?.accessKeyId).not.toBe(first.accessKeyId);
  });

  it("signs in again through getLoginCode when the token has expired", async () => {
    const { kit, backend, clock, codesAsked } = setup();
    await kit.signIn(backend.code());
    const id = kit.identityId;
    clock.advance(58 * MIN);
    backend.log.length = 0;
    await Promise.all([kit.credentials(), kit.credentials()]);
    expect(backend.ops()).toEqual(["Login", "GetCredentialsForIdentity"]);
    expect(codesAsked()).toBe(1);
    expect(kit.identityId).toBe(id);
  });

  it("basic flow: the login's credentials as they are, and a re-login to renew them", async () => {
    const { kit, backend, clock } = setup({ flow: "basic" });
    await kit.signIn(backend.code());
    expect(backend.ops()).toEqual(["Login"]);
    clock.advance(57 * MIN);
    await kit.credentials();
    expect(backend.ops()).toEqual(["Login", "Login"]);
  });

  it("a returning user's guest identity, not linked, signs later re-logins (no identity left behind each time)", async () => {
    const { backend, make, clock } = setup({ auth: "iam" });
    const earlier = make({ storage: memoryStorage() });
    const { identityId: userId } = await earlier.signIn(backend.code("alice"));
    const kit = make();
    await kit.credentials(); // a guest on a new device
    const guestId = kit.identityId;
    await kit.signIn(backend.code("alice"));
    expect(kit.identityId).toBe(userId);
    expect(guestId).not.toBe(userId);
    clock.advance(58 * MIN);
    backend.log.length = 0;
    await kit.credentials();
    expect(backend.ops()).toEqual([
      "GetOpenIdToken",
      "AssumeRoleWithWebIdentity",
      "Login",
      "GetCredentialsForIdentity",
    ]);
    expect(JSON.parse(backend.log[0]!.request.body)).toEqual({ IdentityId: guestId });
  });

  it("keeps serving still-valid credentials when a refresh ahead of expiry fails, and retries later", async () => {
    const { kit, backend, clock } = setup({}, { retry: { maxAttempts: 1 } });
    backend.tokenTtlMs = 2 * 60 * MIN;
    await kit.signIn(backend.code());
    const a = await kit.credentials();
    clock.advance(56 * MIN);
    backend.fail("GetCredentialsForIdentity", { status: 503, body: "{}" });
    expect((await kit.credentials()).accessKeyId).toBe(a.accessKeyId);
    expect((await kit.credentials()).accessKeyId).toBe(a.accessKeyId); // cooldown: no new call
    expect(backend.ops().filter((o) => o === "GetCredentialsForIdentity")).toHaveLength(2);
    clock.advance(20_000);
    expect((await kit.credentials()).accessKeyId).not.toBe(a.accessKeyId);
  });
});

describe("errors and retries", () => {
  it("honours Retry-After with jitter on 429 and 503, then succeeds", async () => {
    const { kit, backend, clock } = setup();
    backend.fail(
      "Login",
      { status: 429, headers: { "retry-after": "2" }, body: '{"error":{"code":"RATE_LIMITED"}}' },
      {
        status: 503,
        headers: { "retry-after": "1" },
        body: '{"error":{"code":"UPSTREAM_UNAVAILABLE"}}',
      },
    );
    await kit.signIn(backend.code());
    expect(backend.ops()).toEqual(["Login", "Login", "Login", "GetCredentialsForIdentity"]);
    // Retry-After, plus half (random 0.5) of the exponential step: 200ms * 2^n.
    expect(clock.sleeps).toEqual([2000 + 200, 1000 + 400]);
  });

  it("retries a throttled or failed login with a fresh code (the first may be spent)", async () => {
    const { kit, backend, codesAsked } = setup();
    backend.fail("Login", {
      status: 503,
      headers: { "retry-after": "1" },
      body: '{"error":{"code":"UPSTREAM_UNAVAILABLE"}}',
    });
    const first = backend.code();
    await kit.signIn(first);
    // One fresh code for the one retry; the given code is not re-sent.
    expect(codesAsked()).toBe(1);
    expect(backend.codes.has(first)).toBe(true);
    expect(kit.kind).toBe("user");
  });

  it("gives up after the bounded attempts with the server's code and Retry-After", async () => {
    const { kit, backend } = setup();
    for (let i = 0; i < 6; i++)
      backend.fail("Login", {
        status: 429,
        headers: { "retry-after": "1" },
        body: '{"error":{"code":"RATE_LIMITED"}}',
      });
    const err = (await kit.signIn(backend.code()).catch((e: unknown) => e)) as AuthError;
    expect(err).toBeInstanceOf(AuthError);
    expect(err).toMatchObject({
      code: "RATE_LIMITED",
      retryable: true,
      retryAfterMs: 1000,
      status: 429,
    });
    expect(backend.ops()).toEqual(["Login", "Login", "Login", "Login"]);
  });

  it("does not sleep through a Retry-After longer than it waits itself", async () => {
    const { kit, backend, clock } = setup();
    backend.fail("Login", { status: 503, headers: { "retry-after": "120" }, body: "{}" });
    await expect(kit.signIn(backend.code())).rejects.toMatchObject({
      code: "UPSTREAM_UNAVAILABLE",
      retryAfterMs: 120_000,
    });
    expect(clock.sleeps).toEqual([]);
  });

  it("retries Cognito throttling (TooManyRequestsException) and network errors", async () => {
    const { kit, backend } = setup({ guests: true });
    backend.fail("GetId", {
      status: 400,
      headers: { "x-amzn-errortype": "TooManyRequestsException:http://internal" },
      body: '{"__type":"com.amazonaws.cognito.identity.model#TooManyRequestsException"}',
    });
    const flaky = backend.transport;
    let dropped = 0;
    const kit2 = new DevAuthClient(backend.config, {
      transport: async (r) =>
        dropped++ === 0 ? Promise.reject(new Error("ECONNRESET")) : flaky(r),
      clock: fakeClock(),
      random: () => 0,
    });
    await kit.credentials();
    await kit2.credentials();
    expect(backend.ops().filter((o) => o === "GetId")).toHaveLength(3);
  });

  it("fetches one fresh code on INVALID_CODE, and no second one", async () => {
    const { kit, backend, codesAsked } = setup();
    await kit.signIn("stale-code");
    expect(codesAsked()).toBe(1);
    expect(kit.kind).toBe("user");
    const { make } = setup();
    const k2 = make({ getLoginCode: async () => "also-stale" });
    await expect(k2.signIn("stale")).rejects.toMatchObject({ code: "INVALID_CODE", status: 401 });
    void backend;
  });

  it("passes USER_BLOCKED through without retrying", async () => {
    const { kit, backend } = setup();
    backend.fail("Login", {
      status: 403,
      body: '{"error":{"code":"USER_BLOCKED","message":"WeChat refused this user."}}',
    });
    await expect(kit.signIn(backend.code())).rejects.toMatchObject({
      code: "USER_BLOCKED",
      retryable: false,
    });
    expect(backend.ops()).toEqual(["Login"]);
  });

  it("without guests and without a session: NOT_SIGNED_IN, or a sign-in through getLoginCode", async () => {
    const { make, backend } = setup({ guests: false });
    await expect(make({ getLoginCode: undefined }).credentials()).rejects.toMatchObject({
      code: "NOT_SIGNED_IN",
    });
    const kit = make();
    await kit.credentials();
    expect(kit.kind).toBe("user");
    expect(backend.ops()).toEqual(["Login", "GetCredentialsForIdentity"]);
  });
});

describe("storage, clock skew, sign-out", () => {
  const KEY = `cognito-devauth:us-east-1:0b4f7d6e-2c1a-4e8b-9f3d-5a6b7c8d9e0f`;

  it.each([
    ["not JSON", "{oops"],
    [
      "another version",
      JSON.stringify({
        v: 2,
        kind: "user",
        identityId: "us-east-1:0b4f7d6e-2c1a-4e8b-9f3d-5a6b7c8d9e0f",
      }),
    ],
    [
      "another region's identity",
      JSON.stringify({
        v: 1,
        kind: "guest",
        identityId: "eu-west-1:0b4f7d6e-2c1a-4e8b-9f3d-5a6b7c8d9e0f",
      }),
    ],
    [
      "half-written credentials",
      JSON.stringify({
        v: 1,
        kind: "guest",
        identityId: "us-east-1:0b4f7d6e-2c1a-4e8b-9f3d-5a6b7c8d9e0f",
        creds: { accessKeyId: "A" },
      }),
    ],
  ])("drops a corrupt stored session (%s) and starts over", async (_what, text) => {
    const { make, storage, backend } = setup({ guests: true });
    storage.set(KEY, text);
    const kit = make();
    await kit.credentials();
    expect(backend.ops()).toEqual(["GetId", "GetCredentialsForIdentity"]);
    expect(storage.get(KEY)).toContain(kit.identityId as string);
  });

  it("works on when the storage throws", async () => {
    const broken: KitStorage = {
      get: () => {
        throw new Error("denied");
      },
      set: () => {
        throw new Error("quota");
      },
      remove: () => {
        throw new Error("denied");
      },
    };
    const { make, backend } = setup({ guests: true });
    const kit = make({ storage: broken });
    const a = await kit.credentials();
    expect((await kit.credentials()).accessKeyId).toBe(a.accessKeyId);
    kit.signOut();
    expect(backend.ops()).toEqual(["GetId", "GetCredentialsForIdentity"]);
  });

  it.each([2 * 60, -2 * 60])(
    "judges expiry and signs by the server's clock (device clock off by %i minutes)",
    async (skewMin) => {
      const { kit, backend, clock } = setup({ auth: "iam" });
      backend.skewMs = skewMin * MIN;
      await kit.signIn(backend.code()); // signed with a time API Gateway accepts
      const a = await kit.credentials();
      // Handed to the SDK in the device's clock: one hour from the device's now.
      expect(a.expiration!.getTime() - clock.now()).toBeGreaterThan(55 * MIN);
      expect(a.expiration!.getTime() - clock.now()).toBeLessThanOrEqual(60 * MIN + 1000);
      clock.advance(50 * MIN);
      expect((await kit.credentials()).accessKeyId).toBe(a.accessKeyId);
      clock.advance(6 * MIN);
      backend.log.length = 0;
      await kit.credentials();
      expect(backend.ops()).toContain("Login"); // the 15-minute token ran out: a signed re-login
    },
  );

  it("signs out: storage cleared, calls in flight fail SIGNED_OUT, the next guest is new", async () => {
    const { kit, backend, storage } = setup({ guests: true });
    await kit.credentials();
    const guestId = kit.identityId;
    await kit.signIn(backend.code());
    const inflight = kit.signIn(backend.code());
    kit.signOut();
    await expect(inflight).rejects.toMatchObject({ code: "SIGNED_OUT" });
    expect(storage.get(KEY)).toBeUndefined();
    expect(kit.kind).toBeUndefined();
    await kit.credentials();
    expect(kit.kind).toBe("guest");
    expect(kit.identityId).not.toBe(guestId);
  });

  it("rejects a config that is not a v2 app config, naming the key", () => {
    const { config, backend } = setup();
    const bad = { ...config, cognitoEndpoint: undefined };
    expect(() => new DevAuthClient(bad, { transport: backend.transport })).toThrow(
      /'cognitoEndpoint' is missing/,
    );
    expect(
      () =>
        new DevAuthClient(
          { ...config, login: { ...config.login, auth: "iam" } },
          { transport: backend.transport },
        ),
    ).toThrow(/'login.auth'.*needs guests/);
    expect(
      () => new DevAuthClient({ ...config, loginsKey: "nope" }, { transport: backend.transport }),
    ).toThrow(/'loginsKey'/);
  });
});
