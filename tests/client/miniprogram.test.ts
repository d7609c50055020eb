/**
 * The mini-program build (client/dist/miniprogram.js, built here by client/build.ts) loaded as a
 * mini-program loads it: evaluated in a sandbox that has only `wx`, timers, `console` and the
 * CommonJS `module`/`exports` pair, no `require`, `fetch`, `crypto`, `TextEncoder` or `URL`.
 * `wx.request` reaches local stand-ins of the login API, Cognito and STS over real HTTP; the
 * credentials then go to an AWS SDK v3 S3 client. Both partitions.
 */
import { request } from "node:http";
import * as vm from "node:vm";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { buildMiniprogram } from "../../client/build";
import type { DevAuthClient } from "../../client/session";
import type { HttpRequest } from "../../client/http";
import { signRequest } from "../../client/sign";
import type { LoginAuth, LoginFlow } from "../../core/vocabulary";
import { appConfig, FakeBackend, fakeS3, serveFake } from "./fakes";

interface Kit {
  createClient(config: unknown, opts?: { retry?: { baseDelayMs: number } }): DevAuthClient;
  signRequest: typeof signRequest;
}

let code = "";
let gzipBytes = 0;
beforeAll(async () => {
  const b = await buildMiniprogram();
  code = b.code;
  gzipBytes = b.gzipBytes;
});

/** A wx shim over Node http, storage in a Map, and wx.login minting codes at the backend. */
function wxShim(backend: () => FakeBackend, store: Map<string, string>) {
  return {
    request(o: {
      url: string;
      method: string;
      header: Record<string, string>;
      data: string;
      dataType: string;
      success(res: { statusCode: number; header: Record<string, string>; data: string }): void;
      fail(err: { errMsg: string }): void;
    }) {
      if (typeof o.data !== "string" || o.dataType === "json")
        throw new Error("kit must send and read text");
      const req = request(o.url, { method: o.method, headers: o.header }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          o.success({
            statusCode: res.statusCode ?? 0,
            // wx hands header names back as the server spelled them.
            header: Object.fromEntries(
              Object.entries(res.headers).map(([k, v]) => [
                k.replace(/^./, (c) => c.toUpperCase()),
                String(v),
              ]),
            ),
            data: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      });
      req.on("error", (e) => o.fail({ errMsg: `request:fail ${e.message}` }));
      req.end(o.data);
    },
    getStorageSync: (k: string) => store.get(k) ?? "",
    setStorageSync: (k: string, v: string) => void store.set(k, v),
    removeStorageSync: (k: string) => void store.delete(k),
    login: (o: { success(r: { code: string }): void }) =>
      setTimeout(() => o.success({ code: backend().code() }), 1),
  };
}

function load(wx: unknown): Kit {
  const module = { exports: {} as Record<string, unknown> };
  const sandbox = { wx, setTimeout, clearTimeout, console, module, exports: module.exports };
  vm.runInNewContext(code, sandbox, { filename: "miniprogram.js" });
  return module.exports as unknown as Kit;
}

async function stack(o: { region: string; flow: LoginFlow; auth: LoginAuth; guests?: boolean }) {
  const store = new Map<string, string>();
  let backend!: FakeBackend;
  const served = await serveFake((base) => (backend = new FakeBackend(appConfig({ ...o, base }))));
  const wx = wxShim(() => backend, store);
  return {
    backend,
    store,
    close: served.close,
    kit: () => load(wx).createClient(backend.config, { retry: { baseDelayMs: 5 } }),
  };
}

it("stays within 15 KB minified+gzip and needs no require", () => {
  expect(gzipBytes).toBeLessThanOrEqual(15 * 1024);
  expect(code).not.toMatch(/\brequire\(/);
});

describe.each(["us-east-1", "cn-north-1"])("mini-program build in %s", (region) => {
  it("signs its requests exactly as the AWS SDK does", async () => {
    const kit = load({});
    const req: HttpRequest = {
      url: `https://login.example.cn/login/wechat?x=码`,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"code":"码😀"}',
    };
    const creds = {
      accessKeyId: "ASIAEXAMPLEKEY000001",
      secretAccessKey: "s3cr3t/Key+Example",
      sessionToken: "tok//en==",
    };
    const date = new Date("2026-01-15T08:00:00Z");
    const inBox = await kit.signRequest(req, creds, region, "execute-api", date);
    const inNode = await signRequest(req, creds, region, "execute-api", date);
    expect(inBox.headers).toEqual(inNode.headers);
  });

  it("IAM route: guest, upgrade, returning user, refresh after the token expired, credentials in an S3 client", async () => {
    const s = await stack({ region, flow: "enhanced", auth: "iam" });
    const s3 = await fakeS3();
    try {
      const app = s.kit();
      const guest = await app.credentials();
      const guestId = app.identityId;
      expect(app.kind).toBe("guest");
      const { identityId } = await app.signIn();
      expect(identityId).toBe(guestId); // the signed login linked the guest
      expect(s.backend.ops().slice(-2)).toEqual(["Login", "GetCredentialsForIdentity"]);
      const gcfi = JSON.parse(s.backend.log.at(-1)!.request.body) as {
        Logins: Record<string, string>;
      };
      expect(Object.keys(gcfi.Logins)).toEqual([s.backend.config.loginsKey]);

      // Returning user: a new app start over the same storage makes no request.
      const n = s.backend.log.length;
      const again = s.kit();
      const user = await again.credentials();
      expect(s.backend.log).toHaveLength(n);
      expect(user.accessKeyId).not.toBe(guest.accessKeyId);

      // Credentials handed to an AWS SDK v3 client, listing the user's own prefix.
      const client = new S3Client({
        region,
        endpoint: s3.url,
        forcePathStyle: true,
        credentials: again.provider,
      });
      await client.send(
        new ListObjectsV2Command({ Bucket: "app-data", Prefix: `users/${identityId}/` }),
      );
      expect(s3.seen[0]).toEqual({
        keyId: user.accessKeyId,
        token: user.sessionToken,
        prefix: `users/${identityId}/`,
      });

      // A sign-in whose token is as good as expired and whose credentials are due: the next
      // call renews through a fresh wx.login code, signed by the guest identity that signed that
      // sign-in (not linked: the user had one already), so no new identity is made.
      s.backend.tokenTtlMs = 30_000;
      s.backend.credsTtlMs = 4 * 60_000;
      await again.signIn();
      const due = await again.credentials();
      s.backend.log.length = 0;
      const renewed = await again.credentials();
      expect(s.backend.ops()).toContain("Login");
      expect(s.backend.ops()).toEqual([
        "GetOpenIdToken",
        "AssumeRoleWithWebIdentity",
        "Login",
        "GetCredentialsForIdentity",
      ]);
      expect(renewed.accessKeyId).not.toBe(due.accessKeyId);
      expect(again.identityId).toBe(identityId);
    } finally {
      await s3.close();
      await s.close();
    }
  });

  it("public route, basic flow: throttled then served; a failing upstream surfaces its code", async () => {
    const s = await stack({ region, flow: "basic", auth: "none", guests: false });
    try {
      const app = s.kit();
      s.backend.fail("Login", {
        status: 429,
        headers: { "retry-after": "0" },
        body: '{"error":{"code":"RATE_LIMITED","message":"m","requestId":"r"}}',
      });
      await app.signIn();
      expect(s.backend.ops()).toEqual(["Login", "Login"]);
      expect(app.kind).toBe("user");
      app.signOut();
      expect(s.store.size).toBe(0);
      for (let i = 0; i < 4; i++)
        s.backend.fail("Login", {
          status: 503,
          headers: { "retry-after": "0" },
          body: '{"error":{"code":"UPSTREAM_UNAVAILABLE","message":"m","requestId":"r"}}',
        });
      await expect(app.credentials()).rejects.toMatchObject({
        code: "UPSTREAM_UNAVAILABLE",
        status: 503,
      });
    } finally {
      await s.close();
    }
  });
});
