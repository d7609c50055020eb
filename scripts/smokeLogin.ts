/**
 * The smoke check's login-route step: one POST of a deliberately invalid WeChat code to the
 * stack's `loginUrl` (its custom domain when it has one), public or SigV4-signed with basic-flow
 * guest credentials as the stack requires (decision "Guest signing": GetId -> GetOpenIdToken ->
 * STS AssumeRoleWithWebIdentity on the guest role; enhanced-flow guest credentials are scoped down
 * by AmazonCognitoUnAuthedIdentitiesSessionPolicy, which has no execute-api:Invoke). The expected
 * answer, 401 INVALID_CODE, proves DNS, TLS, the route, its authorization, the function wiring,
 * the Secrets Manager read and WeChat's reachability in one request: WeChat itself rejected the
 * code (docs/testing.md, "Smoke check").
 */
import { SignatureV4 } from "@smithy/signature-v4";
import { createHash, createHmac } from "node:crypto";
import * as http from "node:http";
import * as https from "node:https";
import { ACCOUNT_ROUTE, LOGIN_ROUTES } from "../core/routes";

/** The request as the transport sends it (headers include `host`). */
export interface LoginHttpRequest {
  readonly url: string;
  /** POST for the login routes, DELETE for the account route (scripts/smokeAccount.ts). */
  readonly method: "POST" | "DELETE";
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface LoginHttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/**
 * Sends one request of a route check (login-route, account-deletion); rejects on network, DNS
 * or TLS failure (or the abort signal).
 */
export type LoginTransport = (
  req: LoginHttpRequest,
  signal: AbortSignal,
) => Promise<LoginHttpResponse>;

/** At most this much of a response body is read: an error body is a few hundred bytes. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/** The default transport: node:https (or node:http for a loopback stand-in), one attempt. */
export const httpTransport: LoginTransport = (req, signal) =>
  new Promise((resolve, reject) => {
    const url = new URL(req.url);
    const client = url.protocol === "http:" ? http : https;
    const request = client.request(
      url,
      { method: req.method, headers: req.headers, signal },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_RESPONSE_BYTES) chunks.push(chunk);
        });
        res.on("error", reject);
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    request.on("error", reject);
    request.end(req.body);
  });

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: SourceData): string | Buffer =>
  typeof d === "string"
    ? d
    : ArrayBuffer.isView(d)
      ? Buffer.from(d.buffer, d.byteOffset, d.byteLength)
      : Buffer.from(d);

/** SHA-256 (and HMAC) on node:crypto, in the shape SignatureV4 asks for. */
export class Sha256 {
  readonly #hash;
  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }
  update(data: SourceData): void {
    this.#hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.#hash.digest()));
  }
  reset(): void {
    // One use per instance: SignatureV4 creates a fresh one for every digest.
  }
}

export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

/** How a request to an AWS_IAM route is signed: SigV4, service `execute-api`, the stack's region. */
export interface Signing {
  readonly region: string;
  readonly credentials: SigningCredentials;
  readonly date: Date;
}

/**
 * The login request, SigV4-signed for `execute-api` in `region` when credentials are given; with
 * `appId` for the OAuth route, which needs it (docs/wechat.md, "Several apps per stack").
 */
export async function loginRequest(
  url: string,
  code: string,
  signing?: Signing,
  appId?: string,
): Promise<LoginHttpRequest> {
  const body = JSON.stringify(appId === undefined ? { code } : { appId, code });
  const headers = { host: new URL(url).host, "content-type": "application/json" };
  const request = { url, method: "POST", headers, body } as const;
  return signing ? signRequest(request, signing) : request;
}

/** `req` with the SigV4 headers (authorization, x-amz-date, x-amz-security-token) added. */
export async function signRequest(
  req: LoginHttpRequest,
  signing: Signing,
): Promise<LoginHttpRequest> {
  const u = new URL(req.url);
  const signer = new SignatureV4({
    service: "execute-api",
    region: signing.region,
    credentials: signing.credentials,
    sha256: Sha256,
  });
  const signed = await signer.sign(
    {
      method: req.method,
      protocol: u.protocol,
      hostname: u.hostname,
      ...(u.port ? { port: Number(u.port) } : {}),
      path: u.pathname,
      query: Object.fromEntries(u.searchParams),
      headers: { ...req.headers },
      body: req.body,
    },
    { signingDate: signing.date },
  );
  return { ...req, headers: signed.headers };
}

/** What the login route must answer to a deliberately invalid code. */
export const EXPECTED = { status: 401, code: "INVALID_CODE" } as const;

export interface RouteContext {
  readonly stack: string;
  readonly partition: string;
  readonly auth: "none" | "iam";
  readonly url: string;
  /** The custom domain, when the stack has one. */
  readonly domain: string | undefined;
  readonly defaultEndpointDisabled: boolean;
}

/** The stack output that names the route `c` probes. */
function outputOf(c: RouteContext): "loginUrl" | "oauthLoginUrl" | "accountUrl" {
  const path = new URL(c.url).pathname;
  if (path.endsWith(ACCOUNT_ROUTE.path)) return "accountUrl";
  return path.endsWith(LOGIN_ROUTES.oauth.path) ? "oauthLoginUrl" : "loginUrl";
}

/** The `error.code` of a login API error body, or what API Gateway said (`message`). */
export function bodySaid(res: LoginHttpResponse): { code?: string; message?: string } {
  try {
    const body = JSON.parse(res.body) as {
      error?: { code?: unknown };
      message?: unknown;
      Message?: unknown;
    };
    const code = typeof body.error?.code === "string" ? body.error.code : undefined;
    const message = body.message ?? body.Message;
    return {
      ...(code ? { code } : {}),
      ...(typeof message === "string"
        ? { message: message.replace(/\s+/g, " ").slice(0, 200) }
        : {}),
    };
  } catch {
    return {};
  }
}

const rerun = (c: RouteContext) =>
  `then pulumi up --stack ${c.stack} and rerun npm run smoke -- --stack ${c.stack}`;

/**
 * The verdict on the login route's answer: undefined for the expected 401 INVALID_CODE, else why
 * it failed with its likely causes and the fix (one line, no secret: bodies are error bodies).
 */
export function judgeLoginResponse(c: RouteContext, res: LoginHttpResponse): string | undefined {
  const { code, message } = bodySaid(res);
  if (res.status === EXPECTED.status && code === EXPECTED.code) return undefined;
  const answer = `${res.status}${code ? ` ${code}` : ""}${message ? ` ("${message}")` : ""}`;
  const head = `POST ${c.url} answered ${answer}, not ${EXPECTED.status} ${EXPECTED.code}`;
  if (res.status === 403 && code === undefined) {
    const causes: string[] = [];
    if (c.auth === "iam") {
      causes.push(
        "the guest role lacks execute-api:Invoke on this route (check the guest invoke policy in the plan)",
        "the app signs with enhanced-flow guest credentials (AmazonCognitoUnAuthedIdentitiesSessionPolicy has no execute-api:Invoke; sign with basic-flow guest credentials)",
        "the pool's classic flow is off, so there are no basic-flow guest credentials",
      );
    } else if (c.partition === "aws-cn") {
      causes.push(
        "the account has no ICP filing, so API Gateway in China blocks the public route (file the domain with MIIT and set icpFilingNumber, or use loginAuth iam)",
      );
    }
    if (c.domain !== undefined) {
      causes.push(
        `the custom domain ${c.domain} has no API mapping to this API's $default stage, or its DNS record points elsewhere`,
      );
    } else if (c.defaultEndpointDisabled) {
      causes.push("the default execute-api endpoint is disabled, yet the URL uses it");
    }
    return `${head}. Likely: ${causes.join("; or ") || "the route refused the caller"}. Fix: correct that, ${rerun(c)}`;
  }
  if (res.status === 404) {
    return (
      `${head}: no such route. Fix: the URL must be the stack's ${outputOf(c)} output` +
      (c.domain ? ` and ${c.domain} needs an API mapping to this API` : "") +
      `; ${rerun(c)}`
    );
  }
  if (res.status === 500 || res.status === 502) {
    return (
      `${head}: the login function failed or crashed before answering (likely: it cannot read ` +
      "the WeChat AppSecret from Secrets Manager, the secret is unset, or the bundle is broken). " +
      `Fix: read the function's log group in the plan for the error, ${rerun(c)}`
    );
  }
  if (res.status === 503 || res.status === 504) {
    return (
      `${head}: an upstream did not answer in time (likely: WeChat's API or Secrets Manager is ` +
      "unreachable from the function, or it timed out). Fix: rerun; if it persists, check the " +
      "function's log group and the WeChat API's reachability from the region"
    );
  }
  if (res.status === 429) {
    return `${head}: throttled. Fix: rerun in a minute; if it persists, check loginRateLimit and loginBurstLimit`;
  }
  if (res.status === 200) {
    return (
      `${head}: a deliberately invalid code logged in, so the function is not talking to the ` +
      "real WeChat API. Fix: unset WECHAT_API_BASE_URL on the function, " +
      rerun(c)
    );
  }
  return `${head}. Fix: compare the login API's error codes (functions/README.md), ${rerun(c)}`;
}

/** The verdict on a request that got no HTTP answer at all (DNS, TLS, network, timeout). */
export function judgeLoginFailure(
  c: RouteContext,
  err: unknown,
  method: LoginHttpRequest["method"] = "POST",
): { transient: boolean; detail: string } {
  const e = (typeof err === "object" && err !== null ? err : {}) as Record<string, unknown>;
  const code = typeof e["code"] === "string" ? e["code"] : "";
  const name = typeof e["name"] === "string" ? e["name"] : "Error";
  const host = new URL(c.url).hostname;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return {
      transient: code === "EAI_AGAIN",
      detail:
        `${host} does not resolve (${code}). Fix: ` +
        (c.domain
          ? `create the DNS record of ${c.domain} (an alias to the API Gateway domain's target), ${rerun(c)}`
          : `check the ${outputOf(c)} output and DNS access from this machine`),
    };
  }
  if (/^(CERT_|ERR_TLS_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_SSL)/.test(code)) {
    return {
      transient: false,
      detail:
        `TLS to ${host} failed (${code}). Fix: the certificate of ${c.domain ?? host} must be ` +
        `valid for that name and imported in ${c.partition === "aws-cn" ? "this China region" : "the API's region"}, ${rerun(c)}`,
    };
  }
  const why = name === "AbortError" || name === "TimeoutError" ? "timed out" : code || name;
  return {
    transient: true,
    detail: `${method} ${c.url} got no answer (${why}). Fix: rerun; if it persists, check network access to ${host}`,
  };
}
