/**
 * The login use case: WeChat code -> user key -> Cognito developer identity (+ STS in the basic
 * flow), keeping our mapping table in step. No I/O here except through the ports.
 *
 * Cognito is authoritative. It keeps one IdentityId per developer user id, so its answer is the
 * user's identity; the mapping row is our hot-path copy. When the row names another IdentityId,
 * the row is stale and is repaired with a conditional write (logged
 * `mapping_identity_mismatch_repaired`); the caller gets Cognito's identity and token.
 *
 * Latency: a plain login of a returning user waits on exactly two remote steps in sequence:
 * WeChat, then Cognito and DynamoDB (UpdateItem lastLoginAt, attribute_exists) in parallel. A first
 * login adds one conditional PutItem after Cognito answers; the basic flow adds STS after Cognito
 * (in parallel with that PutItem or repair). A guest-signed login reads the row first (one extra
 * step), and, for a user without a row, claims the guest identity before Cognito (one more).
 *
 * Guest upgrade: Cognito links a developer user id to ANY IdentityId it is given, even one that
 * already carries another user's login (that is how merges work: docs/cognito.md, "Developer
 * identities: linking and merging"). Guest credentials outlive the upgrade (up to an hour, still `amr:
 * unauthenticated`), so the caller's guest IdentityId alone proves nothing. Before passing it,
 * the user must hold the identity's claim item (conditional write: at most one user ever does)
 * and no other user's row may name it (index query, for identities linked before claims existed).
 * Otherwise the login is plain and the guest identity is left alone.
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
  const { config, mapping, logger, identity } = deps;
  const now = (deps.now ?? (() => new Date()))();
  const nowIso = now.toISOString();

  const session = await deps.wechat.exchangeCode(input.code, signal);
  const user = userKeyFor(session, config);
  const plain = (): Promise<OpenIdToken> =>
    identity.getOpenIdToken({ developerUserId: user.pk }, signal);

  let existing: MappingRow | undefined;
  let issued: OpenIdToken;
  let linkedGuest = false;
  if (input.guestIdentityId === undefined) {
    [existing, issued] = await both(mapping.touch(user.pk, nowIso, signal), plain());
  } else {
    // A user with a row already has an identity: log in to it, never link the guest.
    existing = await mapping.touch(user.pk, nowIso, signal);
    if (existing === undefined) {
      issued = await upgradeGuest(deps, user, input.guestIdentityId, nowIso, plain, signal);
      linkedGuest = issued.identityId === input.guestIdentityId;
    } else {
      issued = await plain();
    }
  }

  // The row follows Cognito's answer; STS (basic flow) runs meanwhile on the token we hold.
  const credentials = deps.credentials
    ? deps.credentials.assumeRole(
        { token: issued.token, roleSessionName: roleSessionNameFor(issued.identityId) },
        signal,
      )
    : Promise.resolve(undefined);
  const [created, creds] = await Promise.allSettled([
    syncRow(deps, user, session, existing, issued.identityId, nowIso, signal),
    credentials,
  ]);
  if (created.status === "rejected") throw created.reason;
  if (creds.status === "rejected") throw creds.reason;

  logger.info("login_succeeded", {
    user: user.logTag,
    newUser: created.value,
    linkedGuest,
    flow: config.flow,
  });
  return {
    identityId: issued.identityId,
    token: issued.token,
    expiresAt: new Date(now.getTime() + config.tokenDurationSeconds * 1000),
    credentials: creds.value,
    newUser: created.value,
    linkedGuest,
  };
}

/**
 * A user without a row, signed in as guest `guest`: link the login to `guest` only if this user
 * holds its claim and no other user's row names it; else (or if Cognito refuses the link) a
 * plain login.
 */
async function upgradeGuest(
  deps: LoginDeps,
  user: UserKey,
  guest: string,
  nowIso: string,
  plain: () => Promise<OpenIdToken>,
  signal: AbortSignal,
): Promise<OpenIdToken> {
  const { mapping, identity, logger } = deps;
  const [claimed, owners] = await both(
    mapping.claimGuest(guest, user.pk, nowIso, signal),
    mapping.usersOfIdentity(guest, signal),
  );
  if (!claimed || owners.some((pk) => pk !== user.pk)) {
    logger.warn("guest_identity_of_another_user", { user: user.logTag });
    return plain();
  }
  try {
    return await identity.getOpenIdToken({ developerUserId: user.pk, identityId: guest }, signal);
  } catch (err) {
    if (!(err instanceof IdentityConflictError)) throw err;
    // Already registered under another identity, or the guest identity no longer exists.
    logger.info("guest_link_refused", { user: user.logTag, reason: err.message });
    return plain();
  }
}

/**
 * Make the row name `identityId` (Cognito's answer): create it on a first login, repair it with
 * a conditional write when it names another identity. True if this call created the row.
 */
async function syncRow(
  deps: LoginDeps,
  user: UserKey,
  session: WechatSession,
  existing: MappingRow | undefined,
  identityId: string,
  nowIso: string,
  signal: AbortSignal,
): Promise<boolean> {
  const { mapping, logger, config } = deps;
  let row = existing;
  if (row === undefined) {
    const result = await mapping.create(
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
    if (result === "created") return true;
    row = result; // a concurrent first login created it first
  }
  if (row.identityId !== identityId) {
    logger.warn("mapping_identity_mismatch_repaired", { user: user.logTag });
    await mapping.replaceIdentity(user.pk, row.identityId, identityId, nowIso, signal);
  }
  return false;
}

/** Run two remote calls at once; throw the first one's error (after both have settled). */
async function both<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === "rejected") throw ra.reason;
  if (rb.status === "rejected") throw rb.reason;
  return [ra.value, rb.value];
}
