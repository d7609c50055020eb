/**
 * The login use case: WeChat code -> user key -> Cognito developer identity (+ STS in the basic
 * flow), keeping our mapping table in step. No I/O here except through the ports.
 *
 * Latency: a returning user waits on exactly two remote steps in sequence: WeChat, then Cognito
 * and DynamoDB (UpdateItem lastLoginAt, attribute_exists) in parallel. A first login adds one
 * conditional PutItem after Cognito answers; the basic flow adds STS after Cognito (in parallel
 * with that PutItem). A guest upgrade reads the mapping before calling Cognito (one extra step,
 * only for guest callers) because whether to pass the guest IdentityId depends on it.
 */
import { createHash } from "node:crypto";
import type { LoginConfig } from "./config";
import {
  IdentityConflictError,
  type CredentialsPort,
  type IdentityPort,
  type LogPort,
  type MappingPort,
  type MappingRow,
  type OpenIdToken,
  type TemporaryCredentials,
  type WechatPort,
  type WechatSession,
} from "./ports";

export interface LoginDeps {
  readonly config: LoginConfig;
  readonly wechat: WechatPort;
  readonly identity: IdentityPort;
  readonly mapping: MappingPort;
  /** Present in the basic flow only. */
  readonly credentials?: CredentialsPort | undefined;
  readonly logger: LogPort;
  readonly now?: () => Date;
}

export interface LoginInput {
  readonly code: string;
  /** Guest IdentityId from the IAM authorizer (already checked against our pool). Never the body. */
  readonly guestIdentityId: string | undefined;
}

export interface LoginOutcome {
  readonly identityId: string;
  readonly token: string;
  readonly expiresAt: Date;
  readonly credentials: TemporaryCredentials | undefined;
  readonly newUser: boolean;
  readonly linkedGuest: boolean;
}

export interface UserKey {
  /** Mapping table hash key, and the Cognito developer user identifier (the same string). */
  readonly pk: string;
  /** Short, non-reversible tag for logs (never log openid/unionid themselves). */
  readonly logTag: string;
}

export function userKeyFor(session: WechatSession, config: LoginConfig): UserKey {
  const pk =
    config.userKey === "unionid" && session.unionid
      ? `wechat-union#${session.unionid}`
      : `wechat-open#${config.wechatAppId}#${session.openid}`;
  return { pk, logTag: createHash("sha256").update(pk).digest("hex").slice(0, 12) };
}

/** STS RoleSessionName: [\w+=,.@-]{2,64}. Derived from the IdentityId (traceable, no PII). */
export function roleSessionNameFor(identityId: string): string {
  const name = `cognito-${identityId}`.replace(/[^\w+=,.@-]/g, "_").slice(0, 64);
  return name.length >= 2 ? name : "cognito-login";
}

export async function login(
  deps: LoginDeps,
  input: LoginInput,
  signal: AbortSignal,
): Promise<LoginOutcome> {
  const { config, mapping, logger } = deps;
  const now = (deps.now ?? (() => new Date()))();
  const nowIso = now.toISOString();

  const session = await deps.wechat.exchangeCode(input.code, signal);
  const user = userKeyFor(session, config);

  let existing: MappingRow | undefined;
  let issued: OpenIdToken;
  let linkedGuest = false;
  if (input.guestIdentityId !== undefined) {
    // Guest upgrade. A WeChat user who already has an identity (mapping row, or Cognito says the
    // login belongs to another identity) logs in to THAT identity: we do not pass the guest
    // IdentityId, and the guest identity is simply left behind (its data is not merged).
    existing = await mapping.touch(user.pk, nowIso, signal);
    if (existing === undefined) {
      try {
        issued = await deps.identity.getOpenIdToken(
          { developerUserId: user.pk, identityId: input.guestIdentityId },
          signal,
        );
        linkedGuest = issued.identityId === input.guestIdentityId;
      } catch (err) {
        if (!(err instanceof IdentityConflictError)) throw err;
        logger.info("guest_upgrade_conflict_existing_identity", { user: user.logTag });
        issued = await deps.identity.getOpenIdToken({ developerUserId: user.pk }, signal);
      }
    } else {
      issued = await deps.identity.getOpenIdToken({ developerUserId: user.pk }, signal);
    }
  } else {
    const [touched, token] = await Promise.allSettled([
      mapping.touch(user.pk, nowIso, signal),
      deps.identity.getOpenIdToken({ developerUserId: user.pk }, signal),
    ]);
    if (token.status === "rejected") throw token.reason;
    if (touched.status === "rejected") throw touched.reason;
    existing = touched.value;
    issued = token.value;
  }

  const { identityId } = issued;
  const newUser = existing === undefined;

  const credentialsPromise: Promise<TemporaryCredentials | undefined> = deps.credentials
    ? deps.credentials.assumeRole(
        { token: issued.token, roleSessionName: roleSessionNameFor(identityId) },
        signal,
      )
    : Promise.resolve(undefined);

  const mappingPromise = (async (): Promise<void> => {
    let current = existing;
    if (current === undefined) {
      const created = await mapping.create(
        {
          pk: user.pk,
          identityId,
          createdAt: nowIso,
          lastLoginAt: nowIso,
          appId: config.wechatAppId,
          openid: session.openid,
          unionid: session.unionid,
        },
        signal,
      );
      if (created === "created") return;
      current = created; // a concurrent first login created it
    }
    if (current.identityId !== identityId) {
      // Cognito's own mapping is authoritative: the row is repaired to what Cognito answered and
      // the client gets Cognito's IdentityId. (Only reachable if the row was written for another
      // pool or edited by hand; concurrent logins of one user always get one IdentityId.)
      logger.warn("mapping_identity_mismatch_repaired", { user: user.logTag });
      await mapping.replaceIdentity(user.pk, current.identityId, identityId, nowIso, signal);
    }
  })();

  const [mapped, creds] = await Promise.allSettled([mappingPromise, credentialsPromise]);
  if (creds.status === "rejected") throw creds.reason;
  if (mapped.status === "rejected") throw mapped.reason;

  logger.info("login_succeeded", {
    user: user.logTag,
    newUser,
    linkedGuest,
    flow: config.flow,
  });
  return {
    identityId,
    token: issued.token,
    expiresAt: new Date(now.getTime() + config.tokenDurationSeconds * 1000),
    credentials: creds.value,
    newUser,
    linkedGuest,
  };
}
