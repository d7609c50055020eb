/**
 * One call of the login API: `POST {"code"}`, SigV4-signed for `execute-api` when the route is
 * IAM-authorized, and its answer (enhanced: identityId + token; basic: identityId + credentials)
 * or error (`{error:{code, message, requestId}}`, 429/503 with Retry-After) read.
 */
import { isIdentityIdOfPoolRegion } from "../core/ids";
import { send, type AwsCredentials, type Exchange } from "./aws";
import type { AppConfig } from "./config";
import { AuthError } from "./errors";
import { isRecord, parseJson, retryAfterMs, type HttpRequest } from "./http";
import { signRequest } from "./sign";
import type { Signer } from "./state";

export type LoginAnswer =
  | { kind: "enhanced"; identityId: string; token: string; expiresAt: number }
  | { kind: "basic"; identityId: string; creds: AwsCredentials };

export async function callLogin(
  ex: Exchange,
  config: AppConfig,
  code: string,
  signer: Signer | undefined,
  signingDate: Date,
): Promise<LoginAnswer> {
  let req: HttpRequest = {
    url: config.login.url,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ code }),
  };
  if (signer?.creds) {
    req = await signRequest(req, signer.creds, config.region, "execute-api", signingDate);
  }
  const res = await send(ex, req, "Login API");
  const body = parseJson(res.body);
  if (res.status >= 200 && res.status < 300) {
    return parseLoginAnswer(config.login.flow, body, config.identityPoolId);
  }
  const e = isRecord(body) && isRecord(body["error"]) ? body["error"] : {};
  // API Gateway's own 429 (stage throttling) and 502/504 carry no `error.code`.
  const retryable = res.status === 429 || res.status >= 502;
  const fallback =
    res.status === 429 ? "RATE_LIMITED" : retryable ? "UPSTREAM_UNAVAILABLE" : `HTTP_${res.status}`;
  throw new AuthError(
    typeof e["code"] === "string" ? e["code"] : fallback,
    typeof e["message"] === "string" ? e["message"] : `Login API answered ${res.status}.`,
    retryable,
    retryAfterMs(res.headers["retry-after"], ex.now()),
    res.status,
  );
}

export function parseLoginAnswer(flow: string, body: unknown, poolId: string): LoginAnswer {
  const bad = (what: string) =>
    new AuthError("BAD_RESPONSE", `Login API answer: ${what} is missing or malformed.`);
  if (!isRecord(body)) throw bad("the body");
  const identityId = body["identityId"];
  if (typeof identityId !== "string" || !isIdentityIdOfPoolRegion(identityId, poolId))
    throw bad("identityId");
  if (flow === "enhanced") {
    const token = body["token"];
    const expiresAt = Date.parse(String(body["expiresAt"]));
    if (typeof token !== "string" || token === "") throw bad("token");
    if (Number.isNaN(expiresAt)) throw bad("expiresAt");
    return { kind: "enhanced", identityId, token, expiresAt };
  }
  const c = isRecord(body["credentials"]) ? body["credentials"] : {};
  const text = (k: string): string => {
    const v = c[k];
    if (typeof v !== "string" || v === "") throw bad(`credentials.${k}`);
    return v;
  };
  const expiresAt = Date.parse(text("expiration"));
  if (Number.isNaN(expiresAt)) throw bad("credentials.expiration");
  return {
    kind: "basic",
    identityId,
    creds: {
      accessKeyId: text("accessKeyId"),
      secretAccessKey: text("secretAccessKey"),
      sessionToken: text("sessionToken"),
      expiresAt,
    },
  };
}
