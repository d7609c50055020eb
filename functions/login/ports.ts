/** Ports the login domain depends on. Adapters implement them over WeChat/AWS; tests inject fakes. */

export interface WechatSession {
  readonly openid: string;
  readonly unionid: string | undefined;
}

export interface WechatPort {
  /** Exchange a wx.login code. Never returns the session_key (dropped inside the adapter). */
  exchangeCode(code: string, signal: AbortSignal): Promise<WechatSession>;
}

export interface OpenIdToken {
  readonly identityId: string;
  readonly token: string;
}

export interface IdentityPort {
  /**
   * Cognito GetOpenIdTokenForDeveloperIdentity. With `identityId`, links the developer user id to
   * that (guest) identity. Throws IdentityConflictError when Cognito says the login already
   * belongs to another identity.
   */
  getOpenIdToken(
    input: { developerUserId: string; identityId?: string | undefined },
    signal: AbortSignal,
  ): Promise<OpenIdToken>;
}

/** Cognito ResourceConflictException / DeveloperUserAlreadyRegisteredException. */
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
  touch(pk: string, nowIso: string, signal: AbortSignal): Promise<MappingRow | undefined>;
  /** Conditional create. Returns "created", or the row someone else created first. */
  create(row: MappingRow, signal: AbortSignal): Promise<"created" | MappingRow>;
  /** Point the row at `newIdentityId` if it still holds `oldIdentityId` (no-op otherwise). */
  replaceIdentity(
    pk: string,
    oldIdentityId: string,
    newIdentityId: string,
    nowIso: string,
    signal: AbortSignal,
  ): Promise<void>;
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
    signal: AbortSignal,
  ): Promise<TemporaryCredentials>;
}

/** The subset of the Powertools Logger the function uses. */
export interface LogPort {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}
