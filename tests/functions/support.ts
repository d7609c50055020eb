/** In-memory fakes and helpers for the login function tests. */
import { randomUUID } from "node:crypto";
import { CognitoIdentities } from "./cognito-model";
import { occurring } from "../support/leaks";
import {
  defaultMiniProgramOf,
  type LoginConfig,
  type LoginFlow,
  type WechatApp,
} from "../../functions/login/config";
import { makeHandler, type HandlerDeps, type LoginHandler } from "../../functions/login/handler";
import {
  IdentityConflictError,
  type CredentialsPort,
  type Deadline,
  type IdentityPort,
  type LogPort,
  type MappingPort,
  type MappingRow,
  type WechatApps,
  type WechatPort,
} from "../../functions/login/ports";
import {
  makeWechatClient,
  type HttpGet,
  type SecretGetter,
  type WechatClientOptions,
} from "../../functions/login/wechat";

export const partition = "aws";
export const APP_SECRET = "fake-app-secret-7f3c9a1e5b";
export const SESSION_KEY = "fake-session-key-QmFzZTY0U2Vzc2lvbktleQ==";
export const FAKE_SECRET_ACCESS_KEY = "fakeSecretAccessKey/abc123+XYZ";
export const FAKE_SESSION_TOKEN = "fakeSessionToken//IQoJb3JpZ2luX2VjEJr";
export const POOL_ID = "us-east-1:0f3c5c2e-1111-4222-8333-444455556666";
/** The default mini-program of the test config. */
export const APP_ID = "wx0123456789abcdef";
/** A second mini-program and an OAuth (mobile/website) app of the same test stack. */
export const MINI_B_APP_ID = "wx00000000000000bb";
export const OAUTH_APP_ID = "wx0a1b2c3d4e5f6a7b";
/** The OAuth exchange's tokens the fakes hand out: they must never leave the adapter. */
export const OAUTH_ACCESS_TOKEN = "fake-oauth-access-token-ACCESS_9f8e7d";
export const OAUTH_REFRESH_TOKEN = "fake-oauth-refresh-token-REFRESH_1a2b3c";

/** A Secrets Manager secret ARN of the test account. */
export function secretArn(name: string, region = "us-east-1", part = partition): string {
  return `arn:${part}:secretsmanager:${region}:123456789012:secret:${name}-AbCdEf`;
}

export const TEST_APPS: readonly WechatApp[] = [
  { appId: APP_ID, kind: "miniprogram", secretArn: secretArn("wechat-mini") },
  { appId: OAUTH_APP_ID, kind: "oauth", secretArn: secretArn("wechat-oauth") },
  { appId: MINI_B_APP_ID, kind: "miniprogram", secretArn: secretArn("wechat-mini-b") },
];

/** The variables the function requires besides WECHAT_APPS (the test pool and table). */
export const REQUIRED_ENV = {
  AWS_REGION: "us-east-1",
  IDENTITY_POOL_ID: POOL_ID,
  DEVELOPER_PROVIDER_NAME: "login.wechat.test",
  TABLE_NAME: "users",
} as const;

/** WECHAT_APPS as the infra sets it: one mini-program (the given AppID and secret) by default. */
export function wechatAppsEnv(apps: readonly WechatApp[] = [TEST_APPS[0] as WechatApp]): string {
  return JSON.stringify(
    apps.map(({ appId, kind, secretArn: arn }) => ({ appId, kind, secretArn: arn })),
  );
}

export function testConfig(flow: LoginFlow, over: Partial<LoginConfig> = {}): LoginConfig {
  const wechatApps = over.wechatApps ?? TEST_APPS;
  return {
    flow,
    region: "us-east-1",
    identityPoolId: POOL_ID,
    developerProviderName: "login.wechat.test",
    tokenDurationSeconds: 900,
    loginsKey: "cognito-identity.amazonaws.com",
    tableName: "mapping",
    wechatApps,
    defaultMiniProgram: defaultMiniProgramOf(wechatApps),
    userKey: "unionid",
    wechatApiBaseUrl: "https://wechat.invalid",
    authenticatedRoleArn: `arn:${partition}:iam::123456789012:role/authenticated`,
    credentialsDurationSeconds: 3600,
    ...over,
  };
}

export interface WechatUser {
  openid: string;
  unionid?: string;
}

/** A verbatim reply (status, body, headers): for parser tests. */
export interface RawReply {
  raw: string | Uint8Array | ReadableStream<Uint8Array>;
  status?: number;
  headers?: Record<string, string>;
}

/** A fake jscode2session: codes map to users or to WeChat error payloads. */
export class FakeWechat {
  readonly codes = new Map<
    string,
    WechatUser | { errcode: number } | "http500" | "network" | RawReply
  >();
  readonly calls: URL[] = [];
  latencyMs = 0;
  secretReads = 0;
  /** Shared start/end event log (harness), to check which remote steps overlap. */
  events: string[] | undefined;

  readonly fetch = async (
    input: string | URL | Request,
    init?: { signal?: Deadline },
  ): Promise<Response> => {
    this.events?.push("wechat:start");
    try {
      return await this.answer(input, init);
    } finally {
      this.events?.push("wechat:end");
    }
  };

  private async answer(
    input: string | URL | Request,
    init?: { signal?: Deadline },
  ): Promise<Response> {
    const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
    this.calls.push(url);
    if (this.latencyMs > 0) await sleep(this.latencyMs, init?.signal ?? undefined);
    init?.signal?.throwIfAborted();
    if (url.searchParams.get("secret") !== APP_SECRET)
      return json({ errcode: 40125, errmsg: "invalid appsecret" });
    const oauth = url.pathname === "/sns/oauth2/access_token";
    const code = url.searchParams.get(oauth ? "code" : "js_code") ?? "";
    const entry = this.codes.get(code);
    if (entry === undefined) return json({ errcode: 40029, errmsg: "invalid code, rid: 1" });
    if (entry === "http500") return new Response("oops", { status: 500 });
    if (entry === "network") throw new TypeError("fetch failed: connect ECONNREFUSED " + url.href);
    if ("raw" in entry)
      return new Response(entry.raw, {
        status: entry.status ?? 200,
        headers: entry.headers ?? { "content-type": "text/plain" },
      });
    if ("errcode" in entry)
      return json({ ...entry, errmsg: `error ${entry.errcode} ${APP_SECRET}` });
    if (oauth) {
      return json({
        access_token: OAUTH_ACCESS_TOKEN,
        expires_in: 7200,
        refresh_token: OAUTH_REFRESH_TOKEN,
        scope: "snsapi_userinfo",
        ...entry,
      });
    }
    return json({ ...entry, session_key: SESSION_KEY });
  }

  client(
    getSecret: SecretGetter = async () => APP_SECRET,
    over: Partial<WechatClientOptions> = {},
  ) {
    return makeWechatClient({
      appId: APP_ID,
      baseUrl: "https://wechat.invalid",
      getSecret: async (opts) => {
        this.secretReads++;
        return getSecret(opts);
      },
      get: fetchAsGet(this.fetch),
      timeoutMs: 3000,
      ...over,
    });
  }
}

/**
 * The WeChat adapter's transport over an in-memory `fetch`-shaped fake (Response objects are
 * handy for canned replies), the body read whole; the adapter still does the status and deadline
 * handling. The size cap is the production transport's, tested over node:http
 * (wechat-body.test.ts, adapters.test.ts).
 */
export function fetchAsGet(
  fake: (url: URL, init: { signal: Deadline }) => Promise<Response>,
): HttpGet {
  return async (url, signal) => {
    const res = await fake(url, { signal });
    return { status: res.status, body: await res.text() };
  };
}

function json(body: unknown): Response {
  // WeChat answers text/plain with HTTP 200 even for errors.
  return new Response(JSON.stringify(body), {
    status: 200,
    headers: { "content-type": "text/plain" },
  });
}

export function sleep(ms: number, signal?: Deadline): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      reject(signal.reason);
    });
  });
}

/** GetOpenIdTokenForDeveloperIdentity over a Cognito-like model (cognito-model.ts). */
export class FakeCognito implements IdentityPort {
  readonly model: CognitoIdentities;
  readonly calls: {
    developerUserId: string;
    identityId?: string | undefined;
    principalTags?: Record<string, string>;
  }[] = [];
  /** MergeDeveloperIdentities calls (unionid migration). */
  readonly merges: { source: string; destination: string }[] = [];
  latencyMs = 0;
  failWith: unknown = undefined;
  tokens: string[] = [];
  events: string[] | undefined;

  constructor(readonly region = "us-east-1") {
    this.model = new CognitoIdentities(region);
  }

  /** Developer user id -> IdentityId, as Cognito keeps it. */
  get byUser(): Map<string, string> {
    return this.model.byUser;
  }

  async getOpenIdToken(
    input: {
      developerUserId: string;
      identityId?: string | undefined;
      principalTags?: Record<string, string>;
    },
    signal: AbortSignal,
  ) {
    this.events?.push("cognito:start");
    try {
      return await this.answer(input, signal);
    } finally {
      this.events?.push("cognito:end");
    }
  }

  async merge(input: { source: string; destination: string }, signal: AbortSignal) {
    this.events?.push("cognito:start");
    try {
      this.merges.push({ ...input });
      if (this.latencyMs > 0) await sleep(this.latencyMs, signal);
      if (this.failWith !== undefined) throw this.failWith;
      const result = this.model.merge(input.source, input.destination);
      if ("refused" in result) throw new IdentityConflictError(result.refused);
    } finally {
      this.events?.push("cognito:end");
    }
  }

  private async answer(
    input: {
      developerUserId: string;
      identityId?: string | undefined;
      principalTags?: Record<string, string>;
    },
    signal: AbortSignal,
  ) {
    this.calls.push({ ...input });
    if (this.latencyMs > 0) await sleep(this.latencyMs, signal);
    if (this.failWith !== undefined) throw this.failWith;
    const result = this.model.link(input.developerUserId, input.identityId);
    if ("refused" in result) throw new IdentityConflictError(result.refused);
    const token = fakeJwt({ sub: result.identityId, aud: POOL_ID, n: this.tokens.length });
    this.tokens.push(token);
    return { identityId: result.identityId, token };
  }
}

export function fakeJwt(payload: Record<string, unknown>): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${b64({ alg: "RS512", kid: "fake" })}.${b64(payload)}.${Buffer.from(randomUUID()).toString("base64url")}`;
}

export class FakeMapping implements MappingPort {
  readonly rows = new Map<string, MappingRow>();
  readonly ops: string[] = [];
  latencyMs = 0;
  failWith: unknown = undefined;
  events: string[] | undefined;

  private async step(op: string, signal: AbortSignal) {
    this.ops.push(op);
    this.events?.push(`${op}:start`);
    try {
      if (this.latencyMs > 0) await sleep(this.latencyMs, signal);
      if (this.failWith !== undefined) throw this.failWith;
    } finally {
      this.events?.push(`${op}:end`);
    }
  }

  async touch(pk: string, nowIso: string, signal: AbortSignal) {
    await this.step("touch", signal);
    const row = this.rows.get(pk);
    if (!row) return undefined;
    const updated = { ...row, lastLoginAt: nowIso };
    this.rows.set(pk, updated);
    return updated;
  }

  async create(row: MappingRow, signal: AbortSignal) {
    await this.step("create", signal);
    const existing = this.rows.get(row.pk);
    if (existing) return existing;
    this.rows.set(row.pk, row);
    return "created" as const;
  }

  async replaceIdentity(
    pk: string,
    oldId: string,
    newId: string,
    nowIso: string,
    signal: AbortSignal,
  ) {
    await this.step("replaceIdentity", signal);
    const row = this.rows.get(pk);
    if (row && row.identityId === oldId)
      this.rows.set(pk, { ...row, identityId: newId, lastLoginAt: nowIso });
  }

  /** Guest IdentityId -> the user key holding its claim (items `guest#<id>` in the table). */
  readonly claims = new Map<string, string>();

  async claimGuest(guestIdentityId: string, pk: string, _nowIso: string, signal: AbortSignal) {
    await this.step("claimGuest", signal);
    const owner = this.claims.get(guestIdentityId);
    if (owner !== undefined && owner !== pk) return false;
    this.claims.set(guestIdentityId, pk);
    return true;
  }

  async usersOfIdentity(identityId: string, signal: AbortSignal) {
    await this.step("usersOfIdentity", signal);
    return [...this.rows.values()]
      .filter((r) => r.identityId === identityId)
      .map((r) => r.pk)
      .slice(0, 2);
  }
}

export class FakeSts implements CredentialsPort {
  readonly calls: { token: string; roleSessionName: string }[] = [];
  latencyMs = 0;
  failWith: unknown = undefined;
  events: string[] | undefined;
  async assumeRole(input: { token: string; roleSessionName: string }, signal: AbortSignal) {
    this.calls.push(input);
    this.events?.push("sts:start");
    try {
      if (this.latencyMs > 0) await sleep(this.latencyMs, signal);
    } finally {
      this.events?.push("sts:end");
    }
    if (this.failWith !== undefined) throw this.failWith;
    return {
      accessKeyId: "ASIAFAKEACCESSKEY123",
      secretAccessKey: FAKE_SECRET_ACCESS_KEY,
      sessionToken: FAKE_SESSION_TOKEN,
      expiration: "2030-01-01T00:00:00.000Z",
    };
  }
}

/** Records every log line as JSON text, so tests can search it for secrets. */
export class CapturingLogger implements LogPort {
  readonly lines: string[] = [];
  private rec(level: string, message: string, extra?: Record<string, unknown>) {
    this.lines.push(JSON.stringify({ level, message, ...extra }));
  }
  debug = (m: string, e?: Record<string, unknown>) => this.rec("debug", m, e);
  info = (m: string, e?: Record<string, unknown>) => this.rec("info", m, e);
  warn = (m: string, e?: Record<string, unknown>) => this.rec("warn", m, e);
  error = (m: string, e?: Record<string, unknown>) => this.rec("error", m, e);
  text() {
    return this.lines.join("\n");
  }
}

export interface Harness {
  handler: LoginHandler;
  wechat: FakeWechat;
  cognito: FakeCognito;
  mapping: FakeMapping;
  sts: FakeSts;
  logger: CapturingLogger;
  config: LoginConfig;
  /** The handler's exchange per AppID (a test may wrap one after the harness is built). */
  wechatPorts: Map<string, WechatPort>;
  /** Start/end of every remote call, in order: `wechat:start`, `touch:end`, ... */
  events: string[];
}

/**
 * Handler deps a test overrides. `wechat` may be one exchange: it then serves the default
 * mini-program, and every other app keeps the fake's own.
 */
export type DepsOverride = Partial<Omit<HandlerDeps, "wechat">> & {
  wechat?: WechatPort | WechatApps;
};

export function harness(
  flow: LoginFlow,
  over: Partial<LoginConfig> = {},
  override: DepsOverride = {},
): Harness {
  const events: string[] = [];
  const wechat = new FakeWechat();
  const cognito = new FakeCognito("us-east-1");
  const mapping = new FakeMapping();
  const sts = new FakeSts();
  wechat.events = events;
  cognito.events = events;
  mapping.events = events;
  sts.events = events;
  const logger = new CapturingLogger();
  const config = testConfig(flow, over);
  const { wechat: wechatOver, ...deps } = override;
  const ports = new Map<string, WechatPort>(
    config.wechatApps.map((a) => [
      a.appId,
      wechat.client(undefined, { appId: a.appId, kind: a.kind }),
    ]),
  );
  if (wechatOver instanceof Map) for (const [id, p] of wechatOver) ports.set(id, p);
  else if (wechatOver)
    ports.set(config.defaultMiniProgram?.appId ?? APP_ID, wechatOver as WechatPort);
  const handler = makeHandler({
    config,
    wechat: ports,
    identity: cognito,
    mapping,
    credentials: flow === "basic" ? sts : undefined,
    logger,
    now: () => new Date("2026-01-02T03:04:05.000Z"),
    ...deps,
  });
  return { handler, wechat, cognito, mapping, sts, logger, config, wechatPorts: ports, events };
}

export function loginEvent(
  body: unknown,
  over: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    version: "2.0",
    routeKey: "POST /login/wechat",
    rawPath: "/login/wechat",
    headers: { "content-type": "application/json" },
    isBase64Encoded: false,
    body: typeof body === "string" ? body : JSON.stringify(body),
    requestContext: { requestId: "req-123", http: { method: "POST", path: "/login/wechat" } },
    ...over,
  };
}

/** A login on the OAuth route (`POST /login/wechat/oauth`) of app `appId`. */
export function oauthEvent(
  appId: string | undefined,
  code: string,
  over: Record<string, unknown> = {},
): Record<string, unknown> {
  return loginEvent(appId === undefined ? { code } : { appId, code }, {
    routeKey: "POST /login/wechat/oauth",
    rawPath: "/login/wechat/oauth",
    ...over,
  });
}

export function guestEvent(
  code: string,
  identityId: string,
  poolId = POOL_ID,
  amr = ["unauthenticated"],
) {
  return loginEvent(
    { code },
    {
      requestContext: {
        requestId: "req-guest",
        authorizer: {
          iam: {
            accessKey: "ASIAGUEST",
            accountId: "123456789012",
            cognitoIdentity: { amr, identityId, identityPoolId: poolId },
          },
        },
      },
      // A hostile body field must never be used.
    },
  );
}

export const CONTEXT = { awsRequestId: "aws-req-1", getRemainingTimeInMillis: () => 10_000 };

export interface ParsedResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

export function parse(res: {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}): ParsedResponse {
  return { statusCode: res.statusCode, headers: res.headers, body: JSON.parse(res.body) };
}

export function errorOf(res: ParsedResponse): { code: string; message: string; requestId: string } {
  return res.body["error"] as { code: string; message: string; requestId: string };
}

/** Assert none of the secret values appear in any of the texts. */
export function expectNoSecrets(texts: string[], extra: string[] = []): void {
  const secrets = [
    APP_SECRET,
    SESSION_KEY,
    OAUTH_ACCESS_TOKEN,
    OAUTH_REFRESH_TOKEN,
    FAKE_SECRET_ACCESS_KEY,
    FAKE_SESSION_TOKEN,
    ...extra,
  ];
  expect(occurring(texts, secrets)).toEqual([]);
}
