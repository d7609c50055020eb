/**
 * End to end, as a new app team would run it: the mini-program build of the client kit
 * (client/build.ts), loaded on a "phone" that offers only `wx`, timers and `console`
 * (tests/e2e/device.ts), driven against the REAL bundled login function (infra/bundle.ts, both
 * flows) behind a local API Gateway (tests/e2e/apigw.ts: SigV4 checked with the AWS SDK's own
 * signer for `loginAuth: iam`), and one AWS API emulator per stack whose Cognito serves both the
 * function and the kit from one identity model (tests/e2e/aws-emulator.ts), in both partitions,
 * with app configs from `toAppConfig` over realistic stack outputs.
 *
 * One clock for everything: jest's fake `Date` (timers stay real), moved on by the tests (expiry)
 * and by the kit's own sleeps (Retry-After, backoff), so nothing here waits in real time.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
} from "@aws-sdk/client-cognito-identity";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { buildMiniprogram } from "../../client/build";
import type { LoginFlow } from "../../core/vocabulary";
import { buildLoginBundle, type LoginBundle } from "../../infra/bundle";
import type { Device } from "./device";
import {
  APP_SECRET,
  FUNCTION_SECRET_KEY,
  OAUTH_APP,
  startDynamo,
  startStack,
  type Stack,
} from "./stack";
import { E2E_OAUTH_TOKENS, type WechatUser } from "./stand-ins";
import { occurring } from "../support/leaks";
import { emfPoints, refKey } from "../support/emf";
import { METRIC, METRICS_NAMESPACE } from "../../core/metrics";
import { sampleAlarmSpecs } from "../support/alarms";

const bundles = new Map<LoginFlow, LoginBundle>();
let miniprogram = { code: "", gzipBytes: 0 };
let dynamo: Awaited<ReturnType<typeof startDynamo>>;
const tmp = mkdtempSync(path.join(tmpdir(), "e2e-"));
const savedEnv = { ...process.env };
const logs: string[] = [];
const stacks: Stack[] = [];

beforeAll(async () => {
  // Date only: the stand-ins, the bundled function and the phone share this clock.
  jest.useFakeTimers({
    doNotFake: [
      "hrtime",
      "nextTick",
      "performance",
      "queueMicrotask",
      "requestAnimationFrame",
      "cancelAnimationFrame",
      "requestIdleCallback",
      "cancelIdleCallback",
      "setImmediate",
      "clearImmediate",
      "setInterval",
      "clearInterval",
      "setTimeout",
      "clearTimeout",
    ],
    advanceTimers: true,
  });
  const [enhanced, basic, mp, db] = await Promise.all([
    buildLoginBundle("enhanced"),
    buildLoginBundle("basic"),
    buildMiniprogram(),
    startDynamo(),
  ]);
  bundles.set("enhanced", enhanced);
  bundles.set("basic", basic);
  miniprogram = mp;
  dynamo = db;
  // The function's JSON log lines are kept (for the secret scan at the end), not printed.
  for (const stream of [process.stdout, process.stderr]) {
    const orig = stream.write.bind(stream);
    jest.spyOn(stream, "write").mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString();
      if (!text.trimStart().startsWith("{"))
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the overloaded write() as-is
        return (orig as any)(chunk, ...rest);
      logs.push(text);
      (rest.find((r) => typeof r === "function") as (() => void) | undefined)?.();
      return true;
    }) as typeof stream.write);
  }
}, 30_000);

afterAll(async () => {
  await Promise.all(stacks.map((s) => s.close()));
  await dynamo?.close();
  jest.restoreAllMocks();
  jest.useRealTimers();
  process.env = savedEnv;
  rmSync(tmp, { recursive: true, force: true });
});

async function stack(spec: Parameters<typeof startStack>[0]): Promise<Stack> {
  const st = await startStack(spec, {
    bundle: bundles.get(spec.flow) as LoginBundle,
    miniprogram: miniprogram.code,
    dynamoUrl: dynamo.url,
    tmp,
  });
  stacks.push(st);
  return st;
}

let users = 0;
/** A WeChat user (unionid keyed, as the stacks' USER_KEY). */
function wechatUser(tag: string): WechatUser & { pk: string } {
  const id = `${tag}${++users}`.padEnd(12, "0");
  return { openid: `oE2e_${id}_openid`, unionid: `uE2e_${id}`, pk: `wechat-union#uE2e_${id}` };
}

/** The loginsKey AWS documents for the partition (not the code's own table). */
const LOGINS_KEY: Record<string, string> = {
  "us-east-1": "cognito-identity.amazonaws.com",
  "cn-north-1": "cognito-identity.cn-north-1.amazonaws.com.cn",
};

function s3(st: Stack, credentials: AwsCredentialIdentityProvider | AwsCredentialIdentity) {
  return new S3Client({
    region: st.spec.region,
    endpoint: st.s3.url,
    forcePathStyle: true,
    credentials,
    maxAttempts: 1,
  });
}

async function listOwn(st: Stack, c: AwsCredentialIdentityProvider, identityId: string) {
  const out = await s3(st, c).send(
    new ListObjectsV2Command({ Bucket: "app-data", Prefix: `users/${identityId}/` }),
  );
  return (out.Contents ?? []).map((o) => o.Key);
}

/** The Cognito identity the API Gateway shim put in the function's last event, if any. */
function lastSigner(st: Stack): string | undefined {
  const ev = st.apigw.events.at(-1) as
    | { requestContext: { authorizer?: { iam: { cognitoIdentity: { identityId: string } } } } }
    | undefined;
  return ev?.requestContext.authorizer?.iam.cognitoIdentity.identityId;
}

function loginStatuses(phone: Device): number[] {
  return phone.requests.filter((r) => r.op === "POST /login/wechat").map((r) => r.status);
}

/**
 * A login on the OAuth route by the stack's OAuth app (a native app: no kit, it posts
 * `{appId, code}` itself), as `user` (same unionid, the app's own openid), signed with `signer`'s
 * basic-flow guest credentials when the route is IAM-authorized.
 */
async function oauthLogin(
  st: Stack,
  user: WechatUser,
  signer?: Device,
): Promise<{ status: number; body: string }> {
  const body = JSON.stringify({
    appId: OAUTH_APP.appId,
    code: st.wechat.mint(user, OAUTH_APP.appId),
  });
  const headers = { "content-type": "application/json" };
  if (signer === undefined) return post(st.apigw.server.address, st.oauthUrl, headers, body);
  const kit = signer.start();
  const guest = await kit.createClient(st.config).credentials();
  const req = { url: st.oauthUrl.href, method: "POST" as const, body, headers };
  const signed = await kit.signRequest(req, guest, st.spec.region, "execute-api", new Date());
  return post(st.apigw.server.address, st.oauthUrl, signed.headers, body);
}

/** The same person in the OAuth app: the same unionid, the app's own openid. */
const inApp = (u: WechatUser): WechatUser => ({ openid: `${u.openid}_app`, unionid: u.unionid });

/** Sign `u` in on the mini-program, then on the OAuth app: one identity, the OAuth tokens kept in. */
async function expectOneIdentityAcrossApps(
  st: Stack,
  u: WechatUser & { pk: string },
  signed: boolean,
) {
  const { identityId } = await st.device(u).start().createClient(st.config).signIn();
  const res = await oauthLogin(st, inApp(u), signed ? st.device(inApp(u)) : undefined);
  expect(res.status).toBe(200);
  expect(JSON.parse(res.body)).toMatchObject({ identityId });
  expect(st.emulator.model.loginsOf(identityId)).toEqual([u.pk]);
  expect(st.apigw.events.at(-1)?.["routeKey"]).toBe("POST /login/wechat/oauth");
  for (const t of E2E_OAUTH_TOKENS) expect(res.body).not.toContain(t);
  expect((await st.rows()).get(u.pk)?.["appId"]).toBe(st.wechat.appId);
}

const REGIONS = ["us-east-1", "cn-north-1"] as const;

describe.each(REGIONS)("in %s", (region) => {
  describe.each(["enhanced", "basic"] as const)(
    "loginAuth iam (guests sign the login), %s flow",
    (flow) => {
      let st: Stack;
      beforeAll(async () => {
        st = await stack({ region, flow, auth: "iam", guests: true });
      });

      it("first start is a guest; sign-in upgrades that guest into the user's identity; S3 lists its own prefix", async () => {
        const a = wechatUser("first");
        const phone = st.device(a);
        const app = phone.start().createClient(st.config);
        const guest = await app.credentials();
        const g = app.identityId as string;
        expect(app.kind).toBe("guest");
        expect(g).toMatch(new RegExp(`^${region}:[0-9a-f-]{36}$`));
        // Basic-flow guest credentials: the only guest credentials that may sign the route.
        expect(phone.ops()).toEqual(["GetId", "GetOpenIdToken", "AssumeRoleWithWebIdentity"]);
        expect(st.emulator.credentials.get(guest.accessKeyId)).toMatchObject({
          identityId: g,
          amr: "unauthenticated",
          flow: "basic",
        });

        phone.requests.length = 0;
        const signedIn = await app.signIn();
        expect(signedIn).toEqual({ identityId: g, kind: "user" });
        expect(lastSigner(st)).toBe(g);
        expect(phone.ops()).toEqual(
          flow === "enhanced"
            ? ["POST /login/wechat", "GetCredentialsForIdentity"]
            : ["POST /login/wechat"],
        );
        expect(st.emulator.model.loginsOf(g)).toEqual([a.pk]);
        expect((await st.rows()).get(a.pk)?.["identityId"]).toBe(g);
        if (flow === "enhanced") {
          const gcfi = st.emulator.calls.filter((c) => c.op === "GetCredentialsForIdentity").at(-1);
          expect(Object.keys(gcfi?.input["Logins"] as object)).toEqual([LOGINS_KEY[region]]);
          expect(gcfi?.signed).toBe(false);
        }

        const user = await app.credentials();
        expect(user.accessKeyId).not.toBe(guest.accessKeyId);
        expect(st.emulator.credentials.get(user.accessKeyId)).toMatchObject({
          identityId: g,
          amr: "authenticated",
          flow,
        });
        // Guest credentials are dropped once upgraded.
        expect([...phone.storage.values()].join("\n")).not.toContain(guest.accessKeyId);
        expect(await listOwn(st, app.provider, g)).toEqual([`users/${g}/profile.json`]);
        await expect(
          s3(st, app.provider).send(
            new ListObjectsV2Command({ Bucket: "app-data", Prefix: "users/" }),
          ),
        ).rejects.toMatchObject({ name: "AccessDenied" });
      });

      it("returning user: an app restart serves from storage; a new phone gets the same IdentityId", async () => {
        const r = wechatUser("return");
        const phone = st.device(r);
        const { identityId } = await phone.start().createClient(st.config).signIn();
        const seen = phone.requests.length;
        const restarted = phone.start().createClient(st.config);
        await restarted.credentials();
        expect(restarted.identityId).toBe(identityId);
        expect(phone.requests).toHaveLength(seen);

        const other = st.device(r);
        const again = await other.start().createClient(st.config).signIn();
        expect(again.identityId).toBe(identityId);
        // That sign-in was signed by the new phone's fresh guest, which was left alone.
        const signer = lastSigner(st) as string;
        expect(signer).not.toBe(identityId);
        expect(st.emulator.model.loginsOf(signer)).toEqual([]);
        expect(st.emulator.model.loginsOf(identityId)).toEqual([r.pk]);
      });

      it("refreshes ahead of expiry and signs in again through wx.login once the token has expired, one refresh however many callers", async () => {
        const t = wechatUser("refresh");
        const phone = st.device(t);
        const app = phone.start().createClient(st.config);
        const { identityId } = await app.signIn();
        const first = await app.credentials();
        const stored = JSON.parse([...phone.storage.values()][0] as string) as {
          token?: { value: string };
        };

        // 56 minutes on: the 1-hour credentials are due (5 minutes ahead), the token is not.
        jest.setSystemTime(Date.now() + 56 * 60_000);
        phone.requests.length = 0;
        const ahead = await app.credentials();
        expect(ahead.accessKeyId).not.toBe(first.accessKeyId);
        // Enhanced: the token still serves, no login. Basic: no token, a re-login, signed by a
        // fresh guest (the first one became the user's identity), which then signs the next ones.
        const signing = ["GetOpenIdToken", "AssumeRoleWithWebIdentity", "POST /login/wechat"];
        expect(phone.ops()).toEqual(
          flow === "enhanced" ? ["GetCredentialsForIdentity"] : ["GetId", ...signing],
        );

        // Another 56: the login token (1 hour) has expired and Cognito no longer takes it.
        jest.setSystemTime(Date.now() + 56 * 60_000);
        phone.requests.length = 0;
        const before = phone.loginCodes;
        const all = await Promise.all([app.credentials(), app.credentials(), app.credentials()]);
        expect(new Set(all.map((c) => c.accessKeyId)).size).toBe(1);
        const renewed = all[0] as AwsCredentialIdentity;
        expect(phone.loginCodes).toBe(before + 1);
        // Basic: the guest kept from the last re-login signs again (no new guest identity).
        expect(phone.ops()).toEqual(
          flow === "enhanced" ? ["GetId", ...signing, "GetCredentialsForIdentity"] : signing,
        );
        expect(loginStatuses(phone)).toEqual([200]);
        expect(app.identityId).toBe(identityId);
        if (flow === "enhanced") {
          // The first login's token (which served at 56 minutes) really has expired at Cognito.
          expect(stored.token?.value).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
          const cognito = new CognitoIdentityClient({
            region,
            endpoint: st.emulator.server.url,
            maxAttempts: 1,
          });
          await expect(
            cognito.send(
              new GetCredentialsForIdentityCommand({
                IdentityId: identityId,
                Logins: { [st.config.loginsKey]: stored.token?.value as string },
              }),
            ),
          ).rejects.toMatchObject({ name: "NotAuthorizedException" });
          cognito.destroy();
        }
        expect(st.emulator.credentials.get(renewed.accessKeyId)).toMatchObject({
          identityId,
          amr: "authenticated",
          expiresAt: expect.any(Number),
        });
        expect(renewed.expiration!.getTime()).toBeGreaterThan(Date.now() + 55 * 60_000);
        expect(await listOwn(st, app.provider, identityId)).toHaveLength(1);
        // The first credentials really have expired: S3 refuses them.
        await expect(
          s3(st, first).send(
            new ListObjectsV2Command({ Bucket: "app-data", Prefix: `users/${identityId}/` }),
          ),
        ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
        expect(st.emulator.model.loginsOf(identityId)).toEqual([t.pk]);
      });

      it("stale guest credentials of an upgraded identity never put another WeChat user into it", async () => {
        const a = wechatUser("merge-a");
        const b = wechatUser("merge-b");
        const phoneA = st.device(a);
        const appA = phoneA.start().createClient(st.config);
        await appA.credentials();
        const g = appA.identityId as string;
        // The same install later used by B (here: its storage restored on B's phone) still holds
        // G's guest credentials, valid for up to an hour and still `amr: unauthenticated`.
        const phoneB = st.device(b);
        phoneA.cloneTo(phoneB);
        expect((await appA.signIn()).identityId).toBe(g);

        const appB = phoneB.start().createClient(st.config);
        expect([appB.kind, appB.identityId]).toEqual(["guest", g]);
        const signedB = await appB.signIn();
        expect(lastSigner(st)).toBe(g); // B's login really was signed with G's stale credentials
        expect(signedB.identityId).not.toBe(g);
        expect(st.emulator.model.loginsOf(g)).toEqual([a.pk]);
        expect(st.emulator.model.loginsOf(signedB.identityId)).toEqual([b.pk]);
        const rows = await st.rows();
        expect(rows.get(a.pk)?.["identityId"]).toBe(g);
        expect(rows.get(b.pk)?.["identityId"]).toBe(signedB.identityId);
        // B's credentials reach B's data only; A keeps A's.
        expect(await listOwn(st, appB.provider, signedB.identityId)).toHaveLength(1);
        await expect(listOwn(st, appB.provider, g)).rejects.toMatchObject({
          name: "AccessDenied",
        });
        expect(await listOwn(st, appA.provider, g)).toHaveLength(1);
      });

      it("the same unionid from the mini-program and the OAuth app (guest-signed OAuth route) is ONE identity", async () => {
        const u = wechatUser("apps");
        await expectOneIdentityAcrossApps(st, u, true);
        // Unsigned, the IAM-authorized OAuth route refuses before the function runs.
        const events = st.apigw.events.length;
        expect((await oauthLogin(st, inApp(u))).status).toBe(403);
        expect(st.apigw.events).toHaveLength(events);
      });

      // The guest claim and the authorizer do not depend on the flow (the stale-credentials
      // sequence above runs in both): these two run once per partition.
      if (flow === "basic") return;

      it("two users signing in at once with the same guest's credentials: exactly one gets it", async () => {
        const a = wechatUser("race-a");
        const b = wechatUser("race-b");
        const phoneA = st.device(a);
        await phoneA.start().createClient(st.config).credentials();
        const phoneB = st.device(b);
        phoneA.cloneTo(phoneB);
        const appA = phoneA.start().createClient(st.config);
        const appB = phoneB.start().createClient(st.config);
        const g = appA.identityId as string;
        const [ra, rb] = await Promise.all([appA.signIn(), appB.signIn()]);
        expect([ra.identityId, rb.identityId].filter((id) => id === g)).toHaveLength(1);
        expect(ra.identityId).not.toBe(rb.identityId);
        const owners = st.emulator.model.loginsOf(g);
        expect(owners).toHaveLength(1);
        expect(st.emulator.model.loginsOf(ra.identityId)).toEqual([a.pk]);
        expect(st.emulator.model.loginsOf(rb.identityId)).toEqual([b.pk]);
      });

      it("a phone whose clock is 20 minutes behind still signs its login in time and gets fresh credentials", async () => {
        const u = wechatUser("skewed");
        const phone = st.device(u);
        phone.clockOffsetMs = -20 * 60_000;
        const app = phone.start().createClient(st.config);
        const { identityId } = await app.signIn();
        expect(st.apigw.forbidden.filter((f) => /skew/.test(f.reason))).toEqual([]);
        expect(st.emulator.model.loginsOf(identityId)).toEqual([u.pk]);
        // Expiry is handed to the SDK in the phone's clock: about an hour from the phone's now.
        const c = await app.credentials();
        const left = (c.expiration as Date).getTime() - (Date.now() + phone.clockOffsetMs);
        expect(left).toBeGreaterThan(55 * 60_000);
        expect(left).toBeLessThanOrEqual(60 * 60_000 + 2_000);
      });

      it("the IAM route admits only a correct signature by basic-flow guest credentials", async () => {
        const u = wechatUser("authorizer");
        const phone = st.device(u);
        const kit = phone.start();
        const loginUrl = new URL(st.config.login.url);
        const login = async (creds: AwsCredentialIdentity, tamper = false) => {
          const body = JSON.stringify({ code: st.wechat.mint(u) });
          const req = { url: st.config.login.url, method: "POST" as const, body };
          const signed = await kit.signRequest(
            { ...req, headers: { "content-type": "application/json" } },
            creds,
            region,
            "execute-api",
            new Date(),
          );
          // The same login, one byte more: still valid JSON, no longer what was signed.
          const sent = tamper ? body.replace('{"code":', '{"code": ') : body;
          return post(st.apigw.server.address, loginUrl, signed.headers, sent);
        };
        // Enhanced-flow guest credentials, fetched as the AWS SDK fetches them (unsigned calls).
        const cognito = new CognitoIdentityClient({
          region,
          endpoint: st.emulator.server.url,
          maxAttempts: 1,
        });
        const { IdentityId } = await cognito.send(
          new GetIdCommand({ IdentityPoolId: st.config.identityPoolId }),
        );
        const { Credentials: c } = await cognito.send(
          new GetCredentialsForIdentityCommand({ IdentityId }),
        );
        cognito.destroy();
        const scoped = {
          accessKeyId: c?.AccessKeyId as string,
          secretAccessKey: c?.SecretKey as string,
          sessionToken: c?.SessionToken as string,
        };
        const basicGuest = await kit.createClient(st.config).credentials();
        const events = st.apigw.events.length;

        expect((await login(scoped)).status).toBe(403);
        expect(st.apigw.forbidden.at(-1)?.reason).toMatch(/session policy/);
        expect((await login(basicGuest, true)).status).toBe(403);
        expect(st.apigw.forbidden.at(-1)?.reason).toBe("signature mismatch");
        expect(
          (await login({ ...basicGuest, secretAccessKey: scoped.secretAccessKey })).status,
        ).toBe(403);
        expect(st.apigw.events).toHaveLength(events); // the function never ran
        expect(st.emulator.model.loginsOf(IdentityId as string)).toEqual([]);

        const ok = await login(basicGuest);
        expect(ok.status).toBe(200);
        expect(JSON.parse(ok.body)).toMatchObject({ identityId: expect.any(String) });
        expect(st.apigw.events).toHaveLength(events + 1);
      });
    },
  );

  // us-east-1: the committed dev stack (public route, no guests, execute-api host). cn-north-1:
  // the committed China default (public route on the app's ICP-filed domain, with guests).
  describe("loginAuth none (public route), enhanced flow", () => {
    const china = region === "cn-north-1";
    let st: Stack;
    beforeAll(async () => {
      st = await stack({
        region,
        flow: "enhanced",
        auth: "none",
        guests: china,
        ...(china ? { domain: "login.myapp.cn" } : {}),
      });
    });

    it("the app config points at the stack's own login host and the partition's Cognito", () => {
      expect(new URL(st.config.login.url).hostname).toMatch(
        china ? /^login\.myapp\.cn$/ : /^[a-z0-9]{10}\.execute-api\.us-east-1\.amazonaws\.com$/,
      );
      expect(st.config.loginsKey).toBe(LOGINS_KEY[region]);
      expect(st.config.cognitoEndpoint).toBe(
        `https://cognito-identity.${region}.amazonaws.com${china ? ".cn" : ""}/`,
      );
    });

    it("first sign-in, then the returning user gets the same IdentityId on a new phone", async () => {
      const u = wechatUser("public");
      const phone = st.device(u);
      const app = phone.start().createClient(st.config);
      let guestId: string | undefined;
      if (china) {
        await app.credentials();
        guestId = app.identityId;
        expect(app.kind).toBe("guest");
        // Enhanced-flow guest credentials (no signing needed on a public route).
        expect(phone.ops()).toEqual(["GetId", "GetCredentialsForIdentity"]);
      } else {
        // No guests in this stack (the pool refuses GetId): the first credentials() signs in
        // through wx.login.
        await app.credentials();
        expect(app.kind).toBe("user");
        expect(phone.ops()).toEqual(["POST /login/wechat", "GetCredentialsForIdentity"]);
        expect(phone.loginCodes).toBe(1);
      }
      const { identityId } = china ? await app.signIn() : { identityId: app.identityId as string };
      expect(app.kind).toBe("user");
      expect(lastSigner(st)).toBeUndefined(); // public route: no caller identity
      expect(st.emulator.model.loginsOf(identityId)).toEqual([u.pk]);
      if (guestId !== undefined) {
        expect(identityId).not.toBe(guestId); // not linked: a public route proves no guest
        expect(st.emulator.model.loginsOf(guestId)).toEqual([]);
      }
      expect(await listOwn(st, app.provider, identityId)).toHaveLength(1);
      const again = await st.device(u).start().createClient(st.config).signIn();
      expect(again.identityId).toBe(identityId);
    });

    it("the same unionid from the mini-program and the OAuth app is ONE identity", async () => {
      await expectOneIdentityAcrossApps(st, wechatUser("apps"), false);
      // An OAuth login naming the mini-program is refused: the appId must be an OAuth app.
      const u = wechatUser("wrongapp");
      const body = JSON.stringify({ appId: st.wechat.appId, code: st.wechat.mint(u) });
      const res = await post(st.apigw.server.address, st.oauthUrl, {}, body);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body).error.code).toBe("UNKNOWN_APP");
    });

    it("throttled upstream: Cognito TooManyRequests -> 429 with Retry-After; the kit waits it out and signs in", async () => {
      const phone = st.device(wechatUser("throttled"));
      const app = phone.start().createClient(st.config);
      st.emulator.fail("GetOpenIdTokenForDeveloperIdentity", "TooManyRequestsException");
      const calls = st.emulator.ops().filter((o) => o === "GetOpenIdTokenForDeveloperIdentity");
      const { identityId } = await app.signIn();
      expect(identityId).toMatch(new RegExp(`^${region}:`));
      // The throttled attempt already spent its code at WeChat, so the retry takes a fresh code
      // from wx.login instead of re-sending a spent one (which would cost a 401 round trip).
      expect(loginStatuses(phone)).toEqual([429, 200]);
      expect(phone.loginCodes).toBe(2);
      // Never sooner than Retry-After (2 s), in the phone's time.
      expect(Math.max(...phone.timers)).toBeGreaterThanOrEqual(2000);
      // The function itself does not retry a throttled Cognito: one throttled call, one good one.
      expect(
        st.emulator.ops().filter((o) => o === "GetOpenIdTokenForDeveloperIdentity").length -
          calls.length,
      ).toBe(2);
      expect(app.kind).toBe("user");
    });

    it("failing upstream: WeChat busy (-1) -> 503; retried with backoff, surfaced after 4 attempts, then served", async () => {
      const u = wechatUser("busy");
      const phone = st.device(u);
      const app = phone.start().createClient(st.config);
      st.wechat.outages.push(-1, -1, -1, -1);
      await expect(app.signIn()).rejects.toMatchObject({
        code: "UPSTREAM_UNAVAILABLE",
        status: 503,
      });
      expect(loginStatuses(phone)).toEqual([503, 503, 503, 503]);
      // Each retry waited at least the function's Retry-After (1 s).
      expect(phone.timers.filter((ms) => ms >= 1000)).toHaveLength(3);
      st.wechat.outages.push(-1);
      phone.requests.length = 0;
      const { identityId } = await app.signIn();
      expect(loginStatuses(phone)).toEqual([503, 200]);
      expect(st.emulator.model.loginsOf(identityId)).toEqual([u.pk]);
    });
  });
});

describe("the mini-program build", () => {
  it("stays within 15 KB minified+gzip", () => {
    expect(miniprogram.gzipBytes).toBeLessThanOrEqual(15 * 1024);
    expect(miniprogram.code).not.toMatch(/\brequire\(/);
  });
});

describe("everything the bundled function logged", () => {
  it("holds no secret, token, key or WeChat id", () => {
    const text = logs.join("\n");
    expect(text).toContain("login_succeeded");
    const secrets = [
      APP_SECRET,
      OAUTH_APP.appSecret,
      ...E2E_OAUTH_TOKENS,
      FUNCTION_SECRET_KEY,
      "c2Vzc2lvbi1rZXktZTJl",
    ];
    for (const st of stacks) {
      secrets.push(...st.emulator.tokens.keys());
      for (const c of st.emulator.credentials.values())
        secrets.push(c.secretAccessKey, c.sessionToken);
    }
    expect(occurring(text, secrets)).toEqual([]);
    expect(text).not.toMatch(/oE2e_|uE2e_/);
  });
});

describe("the metrics the bundled function wrote (embedded metric format)", () => {
  const points = () => emfPoints(logs);
  /** The own-namespace metrics alarm `key` of stack `stack` reads (infra/alarms.ts). */
  const watched = (stack: string, key: string) =>
    sampleAlarmSpecs(stack)
      .filter((s) => s.key === key)
      .flatMap((s) => (s.kind === "metric" ? [s.metric] : s.metrics))
      .filter((m) => m.namespace === METRICS_NAMESPACE)
      .map(refKey);

  it("carry each stack's own `stack` dimension and only the vocabulary's names", () => {
    const names = new Set<string>(Object.values(METRIC));
    const stackNames = new Set(stacks.map((st) => st.config.stack));
    expect(points().size).toBeGreaterThan(10);
    for (const key of points().keys()) {
      const m = /^(\w+)\{(.*)\}$/.exec(key);
      expect(names.has(m?.[1] ?? "")).toBe(true);
      const stack = /(?:^|,)stack=([^,]*)/.exec(m?.[2] ?? "")?.[1];
      expect(stackNames.has(stack ?? "")).toBe(true);
    }
  });

  it.each([
    // Every login (successes by outcome, failures by code), the throttled Cognito call, WeChat
    // busy, and one CognitoLatency sample per GetOpenIdTokenForDeveloperIdentity call.
    ["login-error-rate", "LoginFailed{code=UPSTREAM_UNAVAILABLE,stack=%s}"],
    ["login-error-rate", "LoginSucceeded{outcome=guestUpgrade,stack=%s}"],
    ["cognito-throttled", "UpstreamError{class=throttled,stack=%s,upstream=cognito-identity}"],
    ["wechat-unavailable", "WechatError{class=unavailable,stack=%s}"],
    ["cognito-quota", "CognitoLatency{stack=%s}"],
  ])("include what %s reads: %s", (key, pattern) => {
    const hits = stacks
      .map((st) => pattern.replace("%s", st.config.stack))
      .filter((k) => (points().get(k) ?? 0) > 0);
    expect(hits.length).toBeGreaterThan(0);
    for (const hit of hits) {
      const stack = /stack=([^,}]*)/.exec(hit)?.[1] ?? "";
      expect(watched(stack, key)).toContain(hit);
    }
  });
});

/** One raw HTTP POST to a stand-in, with the Host of `url`. */
function post(
  address: string,
  url: URL,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; body: string }> {
  const [hostname, port] = address.split(":");
  return new Promise((resolve, reject) => {
    const req = request(
      {
        hostname,
        port: Number(port),
        method: "POST",
        path: url.pathname,
        headers: { ...headers, host: url.host },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
