/** Ports the login domain depends on. Adapters implement them over WeChat/AWS; tests inject fakes. */
import type {
  LoginErrorCode,
  LoginOutcomeKind,
  METRIC,
  Upstream,
  UpstreamErrorClass,
  WechatErrorClass,
} from "../../core/metrics";

/**
 * What the adapters need of the invocation deadline: an AbortSignal is one (tests pass them), the
 * handler's own DeadlineSignal (deadline.ts) is cheaper to create at a cold start. Never handed
 * to a Node API that wants a real AbortSignal.
 */
export interface Deadline {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
  throwIfAborted(): void;
}

/**
 * The abort reason of a WeChat exchange the per-client limit refused (clientLimit.ts): the
 * caller's own excess, so the exchange's failure is counted as no WeChat or upstream error
 * (instrument.ts), which would set off `wechat-unavailable` (docs/runbook.md).
 */
export const CLIENT_REFUSED: unique symbol = Symbol("refused by the per-client limit");

export interface WechatSession {
  readonly openid: string;
  readonly unionid: string | undefined;
}

/** One app's code exchange (jscode2session or the OAuth access_token call, by the app's kind). */
export interface WechatPort {
  /**
   * Exchange a login code. Never returns the session_key or the OAuth tokens (dropped inside the
   * adapter).
   */
  exchangeCode(code: string, signal: Deadline): Promise<WechatSession>;
}

/** One exchange per app of the stack, by AppID. */
export type WechatApps = ReadonlyMap<string, WechatPort>;

export interface OpenIdToken {
  readonly identityId: string;
  readonly token: string;
}

export interface IdentityPort {
  /**
   * Cognito GetOpenIdTokenForDeveloperIdentity. Without `identityId`: the one identity Cognito
   * maps the developer user id to (created on first use). With `identityId`: links the developer
   * user id to that identity, which may already carry other developer user ids (Cognito does not
   * refuse that: the caller must own the identity). Throws IdentityConflictError when Cognito
   * refuses the link.
   */
  getOpenIdToken(
    input: {
      developerUserId: string;
      identityId?: string | undefined;
      /** Sent as `PrincipalTags` when present (session tags of the identity's credentials). */
      principalTags?: Record<string, string> | undefined;
    },
    signal: Deadline,
  ): Promise<OpenIdToken>;
  /**
   * Cognito MergeDeveloperIdentities: associate developer user id `source` with the IdentityId of
   * `destination` (unionid migration). Throws IdentityConflictError when Cognito refuses.
   */
  merge(input: { source: string; destination: string }, signal: Deadline): Promise<void>;
}

/**
 * Cognito refused to link a login to the given IdentityId: the developer user id is registered
 * under another identity (ResourceConflictException / DeveloperUserAlreadyRegisteredException),
 * or the identity does not exist (ResourceNotFoundException, e.g. a deleted guest). The message is
 * Cognito's error name.
 */
export class IdentityConflictError extends Error {
  override readonly name = "IdentityConflictError";
}

export interface MappingRow {
  readonly pk: string;
  readonly identityId: string;
  readonly createdAt: string;
  readonly lastLoginAt: string;
  readonly appId: string;
  readonly openid: string;
  readonly unionid?: string | undefined;
}

export interface MappingPort {
  /** SET lastLoginAt if the row exists; returns the updated row, or undefined if there is none. */
  touch(pk: string, nowIso: string, signal: Deadline): Promise<MappingRow | undefined>;
  /** Conditional create. Returns "created", or the row someone else created first. */
  create(row: MappingRow, signal: Deadline): Promise<"created" | MappingRow>;
  /** Point the row at `newIdentityId` if it still holds `oldIdentityId` (no-op otherwise). */
  replaceIdentity(
    pk: string,
    oldIdentityId: string,
    newIdentityId: string,
    nowIso: string,
    signal: Deadline,
  ): Promise<void>;
  /**
   * Atomically claim guest identity `guestIdentityId` for user `pk` (conditional create of its
   * claim item). True if `pk` holds the claim (now or from before), false if another user does.
   */
  claimGuest(
    guestIdentityId: string,
    pk: string,
    nowIso: string,
    signal: Deadline,
  ): Promise<boolean>;
  /** User keys of the rows naming `identityId` (index query; at most two are needed). */
  usersOfIdentity(identityId: string, signal: Deadline): Promise<string[]>;
}

export interface TemporaryCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: string;
}

export interface CredentialsPort {
  /** STS AssumeRoleWithWebIdentity with the Cognito OpenID token (basic flow). */
  assumeRole(
    input: { token: string; roleSessionName: string },
    signal: Deadline,
  ): Promise<TemporaryCredentials>;
}

/** Structured logging (log.ts writes JSON lines). */
export interface LogPort {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** Whether a client may log in now; when not, how long until its window ends. */
export type ClientAdmission =
  { readonly admitted: true } | { readonly admitted: false; readonly retryAfterSeconds: number };

export interface ClientLimiterPort {
  /**
   * Count one login attempt of `client` (a hash, never the raw IP or IdentityId) in the window
   * that holds `now`; refused once the window's count has reached the limit.
   */
  admit(client: string, now: Date, signal: Deadline): Promise<ClientAdmission>;
}

/**
 * Login metrics (core/metrics.ts names). Recording only buffers; `flush` writes what is buffered,
 * once per invocation. Implementations never throw.
 */
export interface MetricsPort {
  loginSucceeded(outcome: LoginOutcomeKind): void;
  loginFailed(code: LoginErrorCode): void;
  upstreamError(upstream: Upstream, errorClass: UpstreamErrorClass): void;
  wechatError(errorClass: WechatErrorClass): void;
  /** A login the per-client limit refused (besides its loginFailed RATE_LIMITED). */
  clientLimited(): void;
  latency(metric: LatencyMetric, ms: number): void;
  flush(): void;
}

export type LatencyMetric = typeof METRIC.wechatLatency | typeof METRIC.cognitoLatency;
