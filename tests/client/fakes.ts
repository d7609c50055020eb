/**
 * A stand-in for everything the kit talks to, speaking the real wire protocols: the login API
 * (enhanced or basic, public or IAM-authorized: it checks SigV4 with the AWS SDK's own signer,
 * as API Gateway would), Cognito Identity (awsJson1_1: GetId, GetOpenIdToken,
 * GetCredentialsForIdentity, with the partition's logins key) and STS (Query/XML). Served
 * in-process as a Transport (unit tests) or on 127.0.0.1 (the mini-program build's test).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import { arns, partitionFacts, partitionOfRegion } from "../../core/partition";
import type { LoginAuth, LoginFlow } from "../../core/vocabulary";
import type { AppConfig } from "../../client/config";
import type { HttpRequest, HttpResponse, Transport } from "../../client/http";

export const POOL_UUID = "0b4f7d6e-2c1a-4e8b-9f3d-5a6b7c8d9e0f";

export function appConfig(o: {
  region: string;
  flow: LoginFlow;
  auth: LoginAuth;
  guests?: boolean;
  /** `http://127.0.0.1:<port>` to serve everything from one local server. */
  base?: string;
}): AppConfig {
  const partition = partitionOfRegion(o.region) ?? "aws";
  const f = partitionFacts(partition, o.region);
  const guests = o.guests ?? o.auth === "iam";
  return {
    stack: o.region === "cn-north-1" ? "cn-north-1" : "dev",
    region: o.region,
    partition,
    identityPoolId: `${o.region}:${POOL_UUID}`,
    loginsKey: f.cognitoLoginsKey,
    cognitoEndpoint: o.base
      ? `${o.base}/cognito/`
      : `https://cognito-identity.${o.region}.${f.dnsSuffix}/`,
    stsEndpoint: o.base ? `${o.base}/sts/` : `https://sts.${o.region}.${f.dnsSuffix}/`,
    guests,
    ...(guests
      ? { guestRoleArn: arns.role({ ...f, accountId: "123456789012" }, "devauth-guest") }
      : {}),
    login: {
      url: o.base
        ? `${o.base}/login/wechat`
        : `https://a1b2c3d4e5.execute-api.${o.region}.${f.dnsSuffix}/login/wechat`,
      method: "POST",
      flow: o.flow,
      auth: o.auth,
      appIds: ["wx8f3a61c2d94be705"],
    },
  };
}

interface Issued {
  identityId: string;
  secret: string;
  expiresAt: number;
  guest: boolean;
}

export interface Logged {
  op: string;
  request: HttpRequest;
}

type Canned = { status: number; headers?: Record<string, string>; body: string };

export class FakeBackend {
  /** identityId -> authenticated? */
  readonly identities = new Map<string, boolean>();
  /** WeChat login code -> user; codes are single-use. */
  readonly codes = new Map<string, string>();
  readonly users = new Map<string, string>();
  readonly tokens = new Map<string, { identityId: string; expiresAt: number; login: boolean }>();
  readonly issued = new Map<string, Issued>();
  readonly log: Logged[] = [];
  /** Canned answers, consumed in order, for the next calls of an operation. */
  readonly failures = new Map<string, Canned[]>();
  tokenTtlMs = 15 * 60_000;
  credsTtlMs = 60 * 60_000;
  /** Server clock minus the kit's clock. */
  skewMs = 0;
  private codeSeq = 0;

  constructor(
    readonly config: AppConfig,
    readonly now: () => number = Date.now,
  ) {}

  serverNow(): number {
    return this.now() + this.skewMs;
  }

  /** A fresh single-use code for `user`. */
  code(user = "user-1"): string {
    const code = `code-${++this.codeSeq}-${user}`;
    this.codes.set(code, user);
    return code;
  }

  fail(op: string, ...answers: Canned[]): void {
    this.failures.set(op, [...(this.failures.get(op) ?? []), ...answers]);
  }

  ops(): string[] {
    return this.log.map((l) => l.op);
  }

  readonly transport: Transport = async (req) => this.handle(req);

  async handle(req: HttpRequest): Promise<HttpResponse> {
    const op = this.opOf(req);
    this.log.push({ op, request: req });
    const canned = this.failures.get(op)?.shift();
    if (canned) return this.reply(canned.status, canned.body, canned.headers);
    switch (op) {
      case "GetId":
      case "GetOpenIdToken":
      case "GetCredentialsForIdentity":
        return this.cognito(op, JSON.parse(req.body) as Record<string, unknown>);
      case "AssumeRoleWithWebIdentity":
        return this.sts(new URLSearchParams(req.body));
      case "Login":
        return this.login(req);
      default:
        return this.reply(404, "not found");
    }
  }

  private opOf(req: HttpRequest): string {
    const c = this.config;
    const target = req.headers["x-amz-target"] ?? "";
    if (req.url === c.cognitoEndpoint && target.startsWith("AWSCognitoIdentityService."))
      return target.slice("AWSCognitoIdentityService.".length);
    if (req.url === c.stsEndpoint) return new URLSearchParams(req.body).get("Action") ?? "?";
    if (req.url === c.login.url && req.method === "POST") return "Login";
    return `unknown ${req.method} ${req.url}`;
  }

  private reply(status: number, body: string, headers: Record<string, string> = {}): HttpResponse {
    return {
      status,
      headers: { date: new Date(this.serverNow()).toUTCString(), ...headers },
      body,
    };
  }

  private awsError(type: string, status = 400): HttpResponse {
    return this.reply(status, JSON.stringify({ __type: type, message: "no" }), {
      "x-amzn-errortype": type,
    });
  }

  private credsFor(identityId: string, guest: boolean) {
    const accessKeyId = `ASIA${randomBytes(8).toString("hex").toUpperCase()}`;
    const secret = randomBytes(20).toString("base64");
    const expiresAt = this.serverNow() + this.credsTtlMs;
    this.issued.set(accessKeyId, { identityId, secret, expiresAt, guest });
    return {
      accessKeyId,
      secret,
      sessionToken: `FwoG${randomBytes(24).toString("base64")}`,
      expiresAt,
    };
  }

  private cognito(op: string, input: Record<string, unknown>): HttpResponse {
    const c = this.config;
    if (op === "GetId") {
      if (input["IdentityPoolId"] !== c.identityPoolId)
        return this.awsError("ResourceNotFoundException");
      if (!c.guests) return this.awsError("NotAuthorizedException");
      const id = `${c.region}:${randomUUID()}`;
      this.identities.set(id, false);
      return this.reply(200, JSON.stringify({ IdentityId: id }));
    }
    const id = String(input["IdentityId"]);
    const authenticated = this.identities.get(id);
    if (authenticated === undefined) return this.awsError("ResourceNotFoundException");
    const logins = input["Logins"] as Record<string, string> | undefined;
    if (op === "GetOpenIdToken") {
      if (authenticated || logins) return this.awsError("NotAuthorizedException");
      const token = `guest-token-${randomUUID()}`;
      this.tokens.set(token, {
        identityId: id,
        expiresAt: this.serverNow() + 600_000,
        login: false,
      });
      return this.reply(200, JSON.stringify({ IdentityId: id, Token: token }));
    }
    // GetCredentialsForIdentity
    if (logins) {
      const keys = Object.keys(logins);
      if (keys.length !== 1 || keys[0] !== c.loginsKey)
        return this.awsError("NotAuthorizedException");
      const t = this.tokens.get(logins[c.loginsKey] as string);
      if (!t || !t.login || t.identityId !== id || t.expiresAt <= this.serverNow())
        return this.awsError("NotAuthorizedException");
    } else if (authenticated || !c.guests) {
      return this.awsError("NotAuthorizedException");
    }
    const k = this.credsFor(id, !logins);
    return this.reply(
      200,
      JSON.stringify({
        IdentityId: id,
        Credentials: {
          AccessKeyId: k.accessKeyId,
          SecretKey: k.secret,
          SessionToken: k.sessionToken,
          Expiration: k.expiresAt / 1000,
        },
      }),
    );
  }

  private sts(form: URLSearchParams): HttpResponse {
    const xmlError = (code: string) =>
      this.reply(
        400,
        `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>no</Message></Error></ErrorResponse>`,
      );
    if (form.get("Version") !== "2011-06-15") return xmlError("InvalidAction");
    if (form.get("RoleArn") !== this.config.guestRoleArn) return xmlError("AccessDenied");
    if (!/^[\w+=,.@-]{2,64}$/.test(form.get("RoleSessionName") ?? ""))
      return xmlError("ValidationError");
    const t = this.tokens.get(form.get("WebIdentityToken") ?? "");
    if (!t || t.login || t.expiresAt <= this.serverNow()) return xmlError("InvalidIdentityToken");
    const k = this.credsFor(t.identityId, true);
    return this.reply(
      200,
      `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <Credentials>
      <AccessKeyId>${k.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${k.secret}</SecretAccessKey>
      <SessionToken>${k.sessionToken.replace(/\+/g, "&#43;")}</SessionToken>
      <Expiration>${new Date(k.expiresAt).toISOString()}</Expiration>
    </Credentials>
  </AssumeRoleWithWebIdentityResult>
</AssumeRoleWithWebIdentityResponse>`,
      { "content-type": "text/xml" },
    );
  }

  /** API Gateway's IAM authorizer, then the login function's answer. */
  private async login(req: HttpRequest): Promise<HttpResponse> {
    let guestIdentityId: string | undefined;
    if (this.config.login.auth === "iam") {
      const signer = await this.verifySigV4(req);
      if (!signer) return this.reply(403, JSON.stringify({ message: "Forbidden" }));
      if (signer.guest) guestIdentityId = signer.identityId;
    }
    const error = (status: number, code: string) =>
      this.reply(status, JSON.stringify({ error: { code, message: code, requestId: "r" } }));
    let code: unknown;
    try {
      code = (JSON.parse(req.body) as { code?: unknown }).code;
    } catch {
      return error(400, "INVALID_REQUEST");
    }
    const user = typeof code === "string" ? this.codes.get(code) : undefined;
    if (user === undefined) return error(401, "INVALID_CODE");
    this.codes.delete(code as string);
    let identityId = this.users.get(user);
    if (identityId === undefined) {
      identityId =
        guestIdentityId && this.identities.get(guestIdentityId) === false
          ? guestIdentityId
          : `${this.config.region}:${randomUUID()}`;
      this.users.set(user, identityId);
    }
    this.identities.set(identityId, true);
    const c = this.config;
    if (c.login.flow === "basic") {
      const k = this.credsFor(identityId, false);
      return this.reply(
        200,
        JSON.stringify({
          identityId,
          credentials: {
            accessKeyId: k.accessKeyId,
            secretAccessKey: k.secret,
            sessionToken: k.sessionToken,
            expiration: new Date(k.expiresAt).toISOString(),
          },
          region: c.region,
        }),
      );
    }
    const token = `login-token-${randomUUID()}`;
    const expiresAt = this.serverNow() + this.tokenTtlMs;
    this.tokens.set(token, { identityId, expiresAt, login: true });
    return this.reply(
      200,
      JSON.stringify({
        identityId,
        token,
        expiresAt: new Date(expiresAt).toISOString(),
        loginsKey: c.loginsKey,
        region: c.region,
        identityPoolId: c.identityPoolId,
      }),
    );
  }

  /** Recomputes the signature with the AWS SDK's signer (Node SHA-256) and compares. */
  async verifySigV4(req: HttpRequest): Promise<Issued | undefined> {
    const auth = req.headers["authorization"] ?? "";
    const m =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/execute-api\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
        auth,
      );
    if (!m) return undefined;
    const [, keyId, , region, signedHeaders] = m as unknown as string[];
    const issued = this.issued.get(keyId as string);
    if (!issued || region !== this.config.region || issued.expiresAt <= this.serverNow())
      return undefined;
    const url = new URL(req.url);
    const headers: Record<string, string> = { host: url.host };
    for (const h of (signedHeaders as string).split(";"))
      if (h !== "host") headers[h] = req.headers[h] ?? "";
    const amzDate = req.headers["x-amz-date"] ?? "";
    const signingDate = new Date(
      `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
    );
    // API Gateway refuses signatures more than 5 minutes off its clock.
    if (Math.abs(signingDate.getTime() - this.serverNow()) > 5 * 60_000) return undefined;
    const expected = await sdkSign(
      { ...req, headers },
      this.config.region,
      { accessKeyId: keyId as string, secretAccessKey: issued.secret },
      signingDate,
    );
    return expected["authorization"] === auth ? issued : undefined;
  }
}

/**
 * The AWS SDK v3's own SigV4 in Node (its signer over Node's SHA-256) for an execute-api request,
 * signing exactly the headers given (plus host), as API Gateway checks them.
 */
export async function sdkSign(
  req: HttpRequest,
  region: string,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  signingDate: Date,
): Promise<Record<string, string>> {
  const url = new URL(req.url);
  const query: Record<string, string> = {};
  url.searchParams.forEach((v, k) => (query[k] = v));
  const signed = await new SignatureV4({
    service: "execute-api",
    region,
    credentials,
    sha256: Sha256,
    applyChecksum: false,
  }).sign(
    {
      method: req.method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query,
      headers: { ...req.headers, host: url.host },
      body: req.body,
    },
    { signingDate },
  );
  return signed.headers;
}

/** Serves a FakeBackend (built by `make` for the server's base URL) on 127.0.0.1. */
export async function serveFake(
  make: (base: string) => FakeBackend,
): Promise<{ backend: FakeBackend; close(): Promise<void> }> {
  // The backend needs the server's port for its URLs; the server needs the backend to answer.
  const ref: { backend?: FakeBackend } = {};
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
      void (ref.backend as FakeBackend)
        .handle({
          url: `http://${req.headers.host}${req.url}`,
          method: req.method as "POST",
          headers,
          body: Buffer.concat(chunks).toString("utf8"),
        })
        .then((r) => res.writeHead(r.status, r.headers).end(r.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const backend = make(`http://127.0.0.1:${port}`);
  ref.backend = backend;
  return {
    backend,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A clock that only moves when told to, or when the kit sleeps. */
export function fakeClock(start = Date.UTC(2026, 0, 15, 8, 0, 0)) {
  const clock = {
    t: start,
    sleeps: [] as number[],
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.t += ms;
    },
    advance: (ms: number) => {
      clock.t += ms;
    },
  };
  return clock;
}

/** A local S3 that lists a prefix, and records which credentials signed each request. */
export async function fakeS3() {
  const seen: { keyId: string; token: string; prefix: string }[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    seen.push({
      keyId: /Credential=([^/]+)\//.exec(req.headers.authorization ?? "")?.[1] ?? "",
      token: String(req.headers["x-amz-security-token"] ?? ""),
      prefix: url.searchParams.get("prefix") ?? "",
    });
    res
      .writeHead(200, { "content-type": "application/xml" })
      .end(
        `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>b</Name><Prefix>${url.searchParams.get("prefix")}</Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>`,
      );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
