/**
 * WeChat's code2Session with codes as `wx.login` mints them, and the Open Platform OAuth exchange
 * (sns/oauth2/access_token) with codes as an app's WeChat login mints them (single use: a second
 * exchange is errcode 40163: docs/wechat.md, "Error codes"; a code only for its own app), and an S3 that lists a prefix only for the identity whose
 * credentials signed the request (`users/<identityId>/`, the prefix the examples list).
 */
import type { AwsEmulator } from "./aws-emulator";
import { serve, type Reply, type Served } from "./serve";
import { verifySigV4 } from "./sigv4";

export interface WechatUser {
  readonly openid: string;
  readonly unionid: string;
}

/** The OAuth exchange's tokens: they must never leave the login function. */
export const E2E_OAUTH_TOKENS = [
  "e2e-oauth-access-token-ACCESS_0cc175b9",
  "e2e-oauth-refresh-token-REFRESH_92eb5ffe",
] as const;

export class WechatStandIn {
  private readonly codes = new Map<string, { user: WechatUser; appId: string } | "used">();
  /** errcodes to answer to the next exchanges, before looking at the code (e.g. -1, busy). */
  readonly outages: number[] = [];
  exchanges = 0;
  server!: Served;
  private seq = 0;
  constructor(
    readonly appId: string,
    readonly appSecret: string,
    /** The stack's Open Platform OAuth app (a mobile or website app). */
    readonly oauth: { readonly appId: string; readonly appSecret: string },
  ) {}

  async start(): Promise<this> {
    this.server = await serve((req) => this.handle(req.url));
    return this;
  }

  /** What `wx.login` returns on the phone of `user` (or the OAuth app's WeChat login, `appId`). */
  mint(user: WechatUser, appId = this.appId): string {
    const code = `0${(++this.seq).toString(16).padStart(6, "0")}${user.openid.slice(-8)}`.padEnd(
      32,
      "x",
    );
    this.codes.set(code, { user, appId });
    return code;
  }

  private handle(url: string): Reply {
    const reply = (body: Record<string, unknown>): Reply => ({
      status: 200,
      headers: { "content-type": "text/plain" },
      body: JSON.stringify(body),
    });
    const u = new URL(url, "http://x");
    const oauth = u.pathname === "/sns/oauth2/access_token";
    if (!oauth && u.pathname !== "/sns/jscode2session") return { status: 404, body: "" };
    this.exchanges++;
    const q = u.searchParams;
    const app = oauth ? this.oauth : this;
    if (q.get("appid") !== app.appId || q.get("secret") !== app.appSecret)
      return reply({ errcode: 40013, errmsg: "invalid appid" });
    const outage = this.outages.shift();
    if (outage !== undefined) return reply({ errcode: outage, errmsg: "system busy" });
    const code = q.get(oauth ? "code" : "js_code") ?? "";
    const minted = this.codes.get(code);
    if (minted === "used") return reply({ errcode: 40163, errmsg: "code been used" });
    if (minted === undefined || minted.appId !== app.appId)
      return reply({ errcode: 40029, errmsg: "invalid code" });
    this.codes.set(code, "used");
    if (oauth) {
      const [access_token, refresh_token] = E2E_OAUTH_TOKENS;
      const scope = "snsapi_userinfo";
      return reply({ access_token, expires_in: 7200, refresh_token, ...minted.user, scope });
    }
    return reply({ ...minted.user, session_key: "c2Vzc2lvbi1rZXktZTJl" });
  }
}

export interface S3StandIn {
  readonly url: string;
  /** Every request: who signed it and what it asked for. */
  readonly seen: { identityId: string; prefix: string; status: number }[];
  close(): Promise<void>;
}

export async function startS3(emulator: AwsEmulator, region: string): Promise<S3StandIn> {
  const seen: S3StandIn["seen"] = [];
  const denied = (identityId: string, prefix: string, code: string): Reply => {
    seen.push({ identityId, prefix, status: 403 });
    return {
      status: 403,
      headers: { "content-type": "application/xml" },
      body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>denied</Message></Error>`,
    };
  };
  const server = await serve(async (req) => {
    const prefix = new URLSearchParams(req.url.split("?")[1] ?? "").get("prefix") ?? "";
    const checked = await verifySigV4(req, { service: "s3", region, now: Date.now() }, (k) =>
      emulator.credentials.get(k),
    );
    if (!checked.ok) return denied("", prefix, "SignatureDoesNotMatch");
    const c = checked.issued;
    // The authenticated role's grant: s3:ListBucket with s3:prefix users/${sub}/. Guests: none
    // (the enhanced-flow session policy has no S3 either).
    if (c.amr !== "authenticated" || prefix !== `users/${c.identityId}/`)
      return denied(c.identityId, prefix, "AccessDenied");
    seen.push({ identityId: c.identityId, prefix, status: 200 });
    return {
      status: 200,
      headers: { "content-type": "application/xml" },
      body: `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>app-data</Name><Prefix>${prefix}</Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated><Contents><Key>${prefix}profile.json</Key><Size>2</Size></Contents></ListBucketResult>`,
    };
  });
  return { url: server.url, seen, close: server.close };
}
