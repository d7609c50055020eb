/**
 * HTTP API (payload format 2.0) edge: request parsing, guest detection, and the ONE place where
 * errors become responses.
 */
import { isIdentityIdOfPoolRegion } from "../../core/ids";
import { InvalidRequestError, LoginError, isRecord } from "./errors";

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Raw body limit (bytes, after base64 decoding). A real body is ~50 bytes. */
export const MAX_BODY_BYTES = 4096;
/** wx.login codes are 32 characters; allow some slack but no whitespace or control characters. */
export const MAX_CODE_LENGTH = 128;

/** Printable ASCII, no spaces. */
const CODE_PATTERN = /^[\x21-\x7e]+$/;

export function parseCode(event: unknown): string {
  const ev = isRecord(event) ? event : {};
  const raw = ev["body"];
  if (typeof raw !== "string" || raw.length === 0) throw new InvalidRequestError();
  let text: string;
  if (ev["isBase64Encoded"] === true) {
    // Reject before decoding anything large; base64 is 4 chars per 3 bytes.
    if (raw.length > Math.ceil(MAX_BODY_BYTES / 3) * 4 + 4) throw tooLarge();
    if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(raw)) throw new InvalidRequestError();
    const buf = Buffer.from(raw, "base64");
    if (buf.length > MAX_BODY_BYTES) throw tooLarge();
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(buf);
    } catch {
      throw new InvalidRequestError();
    }
  } else {
    if (Buffer.byteLength(raw, "utf8") > MAX_BODY_BYTES) throw tooLarge();
    text = raw;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidRequestError();
  }
  const code = isRecord(json) && !Array.isArray(json) ? json["code"] : undefined;
  if (typeof code !== "string" || code.length > MAX_CODE_LENGTH || !CODE_PATTERN.test(code)) {
    throw new InvalidRequestError();
  }
  return code;
}

function tooLarge(): InvalidRequestError {
  return new InvalidRequestError(`The request body must not exceed ${MAX_BODY_BYTES} bytes.`);
}

/**
 * The caller's guest IdentityId, when the request was SigV4-signed with credentials of an
 * UNAUTHENTICATED identity of OUR pool (HTTP API IAM authorizer). Anything else (no authorizer,
 * an authenticated identity, another pool, an IAM user) -> undefined: a plain login.
 *
 * A caller that IS an unauthenticated identity of our pool but whose identityId is not a real
 * IdentityId of the pool's region (core/ids `IDENTITY_ID`) is rejected with 400: silently logging
 * it in without the guest link would strand the guest's data.
 */
export function guestIdentityIdOf(event: unknown, identityPoolId: string): string | undefined {
  const ctx = pick(event, "requestContext");
  const cognito = pick(pick(pick(ctx, "authorizer"), "iam"), "cognitoIdentity");
  if (!isRecord(cognito)) return undefined;
  const { identityId, identityPoolId: poolId, amr } = cognito;
  if (poolId !== identityPoolId) return undefined;
  if (!Array.isArray(amr) || !amr.includes("unauthenticated")) return undefined;
  if (typeof identityId !== "string" || !isIdentityIdOfPoolRegion(identityId, identityPoolId)) {
    throw new InvalidRequestError("The caller's guest identity is malformed.");
  }
  return identityId;
}

function pick(v: unknown, key: string): unknown {
  return isRecord(v) ? v[key] : undefined;
}

const BASE_HEADERS = {
  "content-type": "application/json",
  "cache-control": "no-store",
} as const;

export function jsonResponse(statusCode: number, body: unknown): HttpResponse {
  return { statusCode, headers: { ...BASE_HEADERS }, body: JSON.stringify(body) };
}

/**
 * The ONE mapping from errors to responses. Typed LoginErrors keep their status, code and fixed
 * message; anything else is 500 INTERNAL with nothing internal in it.
 */
export function errorResponse(err: unknown, requestId: string): HttpResponse {
  const known = err instanceof LoginError ? err : undefined;
  const status = known?.status ?? 500;
  const code = known?.code ?? "INTERNAL";
  const message = known?.message ?? "Internal error.";
  const res = jsonResponse(status, { error: { code, message, requestId } });
  if (known?.retryAfterSeconds !== undefined) {
    res.headers["retry-after"] = String(known.retryAfterSeconds);
  }
  return res;
}
