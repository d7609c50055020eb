/**
 * Cognito Identity and STS without an AWS SDK: the unsigned calls a client makes (docs/cognito.md,
 * "Guests and the session policy"). Cognito speaks awsJson1_1; STS the Query protocol (form POST, XML answer: STS has no
 * documented JSON protocol, so the XML is read minimally: only the elements named below).
 */
import { AuthError } from "./errors";
import { isRecord, parseJson, retryAfterMs, type HttpResponse, type Transport } from "./http";

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** Epoch milliseconds, in the server's clock. */
  readonly expiresAt: number;
}

export interface Exchange {
  readonly transport: Transport;
  readonly now: () => number;
  /** Sees every response (the kit learns the server's clock from its Date header). */
  readonly onResponse: (res: HttpResponse, sentAt: number) => void;
}

/** Throttling answers (quotas, docs/cognito.md "Quotas"): retried, surfaced as RATE_LIMITED. */
const THROTTLED = new Set([
  "TooManyRequestsException", // Cognito Identity
  "LimitExceededException", // Cognito Identity
  "Throttling", // STS
  "ThrottlingException",
]);
/** Outages: retried, surfaced as UPSTREAM_UNAVAILABLE (as is any 5xx). */
const UNAVAILABLE = new Set(["InternalErrorException", "IDPCommunicationError"]);

export async function send(
  ex: Exchange,
  request: Parameters<Transport>[0],
  what: string,
): Promise<HttpResponse> {
  const sentAt = ex.now();
  let res: HttpResponse;
  try {
    res = await ex.transport(request);
  } catch {
    throw new AuthError("NETWORK", `${what}: no response (network error or timeout).`, true);
  }
  ex.onResponse(res, sentAt);
  return res;
}

function awsError(service: string, type: string, res: HttpResponse, now: number): AuthError {
  const throttled = THROTTLED.has(type);
  const unavailable = !throttled && (res.status >= 500 || UNAVAILABLE.has(type));
  return new AuthError(
    throttled
      ? "RATE_LIMITED"
      : unavailable
        ? "UPSTREAM_UNAVAILABLE"
        : type || `HTTP_${res.status}`,
    `${service} answered ${res.status} ${type || "(no error type)"}.`,
    throttled || unavailable,
    retryAfterMs(res.headers["retry-after"], now),
    res.status,
  );
}

async function cognito(
  ex: Exchange,
  endpoint: string,
  op: string,
  input: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const res = await send(
    ex,
    {
      url: endpoint,
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": `AWSCognitoIdentityService.${op}`,
      },
      body: JSON.stringify(input),
    },
    `Cognito ${op}`,
  );
  const body = parseJson(res.body);
  if (res.status >= 200 && res.status < 300 && isRecord(body)) return body;
  // `__type` may carry a namespace (`com.amazon...#Type`), the header a `:<uri>` suffix.
  const raw =
    (isRecord(body) && typeof body["__type"] === "string" ? body["__type"] : undefined) ??
    res.headers["x-amzn-errortype"] ??
    "";
  const type = raw.slice(raw.indexOf("#") + 1).split(":")[0] as string;
  if (res.status < 300) throw new AuthError("BAD_RESPONSE", `Cognito ${op}: unreadable answer.`);
  throw awsError("Cognito", type, res, ex.now());
}

function str(v: unknown, what: string): string {
  if (typeof v !== "string" || v === "") throw new AuthError("BAD_RESPONSE", `${what} is missing.`);
  return v;
}

export async function getId(ex: Exchange, endpoint: string, identityPoolId: string) {
  const out = await cognito(ex, endpoint, "GetId", { IdentityPoolId: identityPoolId });
  return str(out["IdentityId"], "GetId: IdentityId");
}

export async function getOpenIdToken(ex: Exchange, endpoint: string, identityId: string) {
  const out = await cognito(ex, endpoint, "GetOpenIdToken", { IdentityId: identityId });
  return str(out["Token"], "GetOpenIdToken: Token");
}

export async function getCredentialsForIdentity(
  ex: Exchange,
  endpoint: string,
  identityId: string,
  logins?: Record<string, string>,
): Promise<AwsCredentials> {
  const input: Record<string, unknown> = { IdentityId: identityId };
  if (logins) input["Logins"] = logins;
  const out = await cognito(ex, endpoint, "GetCredentialsForIdentity", input);
  const c = isRecord(out["Credentials"]) ? out["Credentials"] : {};
  const expiration = c["Expiration"];
  if (typeof expiration !== "number")
    throw new AuthError("BAD_RESPONSE", "GetCredentialsForIdentity: Expiration is missing.");
  return {
    accessKeyId: str(c["AccessKeyId"], "GetCredentialsForIdentity: AccessKeyId"),
    secretAccessKey: str(c["SecretKey"], "GetCredentialsForIdentity: SecretKey"),
    sessionToken: str(c["SessionToken"], "GetCredentialsForIdentity: SessionToken"),
    // awsJson timestamps are epoch seconds.
    expiresAt: Math.round(expiration * 1000),
  };
}

const XML_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
};

function xmlText(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>\\s*([^<]*?)\\s*</${tag}>`).exec(xml);
  if (!m) return undefined;
  return (m[1] as string).replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, e: string) => {
    if (e[0] === "#")
      return String.fromCharCode(e[1] === "x" ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return XML_ENTITIES[e] ?? whole;
  });
}

function form(params: Record<string, string>): string {
  return Object.keys(params)
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(params[k] as string)}`)
    .join("&");
}

/** STS AssumeRoleWithWebIdentity: unsigned, to the regional endpoint. */
export async function assumeRoleWithWebIdentity(
  ex: Exchange,
  endpoint: string,
  input: { roleArn: string; token: string; roleSessionName: string },
): Promise<AwsCredentials> {
  const res = await send(
    ex,
    {
      url: endpoint,
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
      body: form({
        Action: "AssumeRoleWithWebIdentity",
        Version: "2011-06-15",
        RoleArn: input.roleArn,
        RoleSessionName: input.roleSessionName,
        WebIdentityToken: input.token,
      }),
    },
    "STS AssumeRoleWithWebIdentity",
  );
  if (res.status < 200 || res.status >= 300) {
    throw awsError("STS", xmlText(res.body, "Code") ?? "", res, ex.now());
  }
  const start = res.body.indexOf("<Credentials>");
  const block = start < 0 ? "" : res.body.slice(start, res.body.indexOf("</Credentials>", start));
  const expiresAt = Date.parse(xmlText(block, "Expiration") ?? "");
  if (Number.isNaN(expiresAt))
    throw new AuthError("BAD_RESPONSE", "AssumeRoleWithWebIdentity: Expiration is missing.");
  return {
    accessKeyId: str(xmlText(block, "AccessKeyId"), "AssumeRoleWithWebIdentity: AccessKeyId"),
    secretAccessKey: str(
      xmlText(block, "SecretAccessKey"),
      "AssumeRoleWithWebIdentity: SecretAccessKey",
    ),
    sessionToken: str(xmlText(block, "SessionToken"), "AssumeRoleWithWebIdentity: SessionToken"),
    expiresAt,
  };
}

/** STS RoleSessionName (`[\w+=,.@-]{2,64}`) for a guest identity: traceable, no personal data. */
export function guestSessionName(identityId: string): string {
  return `guest-${identityId.slice(identityId.indexOf(":") + 1)}`
    .replace(/[^\w+=,.@-]/g, "_")
    .slice(0, 64);
}
