/**
 * HTTP API (payload format 2.0) edge: the route, request parsing, the app, guest detection, and
 * the ONE place where errors become responses.
 */
import { PRINTABLE_ASCII_TOKEN, isIdentityIdOfPoolRegion } from "../../core/ids";
import { LOGIN_ROUTES, routeKey, type LoginRouteKind } from "../../core/routes";
import type { LoginConfig, WechatApp } from "./config";
import {
  InvalidRequestError,
  LoginError,
  UnknownAppError,
  UnknownRouteError,
  isRecord,
} from "./errors";

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Raw body limit (bytes, after base64 decoding). A real body is ~50 bytes. */
export const MAX_BODY_BYTES = 4096;

const ROUTE_KEYS: ReadonlyMap<string, LoginRouteKind> = new Map(
  (Object.keys(LOGIN_ROUTES) as LoginRouteKind[]).map((name) => [
    routeKey(LOGIN_ROUTES[name]),
    name,
  ]),
);

/** The shape each route's body must have, for the 400 message. */
const BODY_SHAPES: Readonly<Record<LoginRouteKind, string>> = {
  miniprogram: '{"code": "<wx.login code>"} (optionally with "appId")',
  oauth: '{"appId": "<AppID>", "code": "<OAuth code>"}',
};

/**
 * The login route of the event, by API Gateway's `routeKey`. No routeKey (a direct `lambda
 * invoke`): the mini-program route; any other route: 404 UNKNOWN_ROUTE.
 */
export function routeOf(event: unknown): LoginRouteKind {
  const key = isRecord(event) ? event["routeKey"] : undefined;
  if (key === undefined) return "miniprogram";
  const route = typeof key === "string" ? ROUTE_KEYS.get(key) : undefined;
  if (route === undefined) throw new UnknownRouteError();
  return route;
}

export interface LoginRequest {
  readonly code: string;
  /** The app the code belongs to: a configured app of the route's kind. */
  readonly app: WechatApp;
}

/**
 * The body of a login on `route`: `{code, appId?}` (mini-program; no appId: the default
 * mini-program) or `{appId, code}` (OAuth). A malformed body or code: 400 INVALID_REQUEST; an
 * appId that is missing (OAuth), not a string, or not an app of this route's kind: 400
 * UNKNOWN_APP.
 */
export function parseLogin(
  event: unknown,
  route: LoginRouteKind,
  config: Pick<LoginConfig, "wechatApps" | "defaultMiniProgram">,
): LoginRequest {
  const body = jsonBody(event, route);
  const code = body["code"];
  // Printable ASCII, no spaces, at most 128 characters (core/ids.ts PRINTABLE_ASCII_TOKEN).
  if (typeof code !== "string" || !PRINTABLE_ASCII_TOKEN.test(code)) {
    throw invalid(route);
  }
  const appId = body["appId"];
  // A route serves the apps of the kind it is named after (core/routes.ts keys are the kinds).
  const app =
    appId === undefined && route === "miniprogram"
      ? config.defaultMiniProgram
      : config.wechatApps.find((a) => a.kind === route && a.appId === appId);
  if (app === undefined) throw new UnknownAppError();
  return { code, app };
}

/** The request body as a JSON object (base64 decoded, size-capped, strict UTF-8). */
function jsonBody(event: unknown, route: LoginRouteKind): Record<string, unknown> {
  const ev = isRecord(event) ? event : {};
  const raw = ev["body"];
  if (typeof raw !== "string" || raw.length === 0) throw invalid(route);
  let text: string;
  if (ev["isBase64Encoded"] === true) {
    text = base64Text(raw, route);
  } else {
    if (Buffer.byteLength(raw, "utf8") > MAX_BODY_BYTES) throw tooLarge();
    text = raw;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid(route);
  }
  if (!isRecord(json) || Array.isArray(json)) throw invalid(route);
  return json;
}

/** A base64 body (API Gateway encodes some content types) as strict UTF-8 text. */
function base64Text(raw: string, route: LoginRouteKind): string {
  // Reject before decoding anything large; base64 is 4 chars per 3 bytes.
  if (raw.length > Math.ceil(MAX_BODY_BYTES / 3) * 4 + 4) throw tooLarge();
  if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(raw)) throw invalid(route);
  const buf = Buffer.from(raw, "base64");
  if (buf.length > MAX_BODY_BYTES) throw tooLarge();
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(buf);
  } catch {
    throw invalid(route);
  }
}

function invalid(route: LoginRouteKind): InvalidRequestError {
  return new InvalidRequestError(
    `The request body must be JSON of the form ${BODY_SHAPES[route]}.`,
  );
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
