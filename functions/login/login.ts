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
 * WeChat (with a per-client limit, the client's count beside it: ./clientLimit.ts), then
 * Cognito and DynamoDB (UpdateItem lastLoginAt, attribute_exists) in parallel. A first
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
import { exchangeCounted, type ClientLimit } from "./clientLimit";
import type { LoginConfig } from "./config";
import { ConfigError } from "./errors";
import {
  IdentityConflictError,
  type CredentialsPort,
  type Deadline,
  type IdentityPort,
  type LogPort,
  type MappingPort,
  type MappingRow,
  type OpenIdToken,
  type TemporaryCredentials,
  type WechatApps,
  type WechatSession,
} from "./ports";

export interface LoginDeps {
  readonly config: LoginConfig;
  /** The code exchange of each app, by AppID. */
  readonly wechat: WechatApps;
  readonly identity: IdentityPort;
  readonly mapping: MappingPort;
  /** Present in the basic flow only. */
  readonly credentials?: CredentialsPort | undefined;
  readonly logger: LogPort;
  readonly now?: () => Date;
  /** Per-client login limit; absent: off. */
  readonly clientLimit?: ClientLimit | undefined;
}

export interface LoginInput {
  /** The app the code belongs to (resolved by the HTTP edge: a configured app of the route). */
  readonly appId: string;
  readonly code: string;
  /** Guest IdentityId from the IAM authorizer (already checked against our pool). Never the body. */
  readonly guestIdentityId: string | undefined;
  /** The caller, hashed, for the per-client limit (./clientLimit.ts); absent: not counted. */
  readonly client?: string | undefined;
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

/** Developer user id (and row key) of a unionid: shared by every app of the Open Platform account. */
export const UNIONID_KEY_PREFIX = "wechat-union#";
/** Developer user id (and row key) of an openid: per app. */
export const OPENID_KEY_PREFIX = "wechat-open#";

export function unionidKey(unionid: string): string {
  return `${UNIONID_KEY_PREFIX}${unionid}`;
}

export function openidKey(appId: string, openid: string): string {
  return `${OPENID_KEY_PREFIX}${appId}#${openid}`;
}

/** The user key of `session` from app `appId`: the unionid key, else the app's openid key. */
export function userKeyFor(session: WechatSession, config: LoginConfig, appId: string): UserKey {
  const pk =
    config.userKey === "unionid" && session.unionid
      ? unionidKey(session.unionid)
      : openidKey(appId, session.openid);
  return { pk, logTag: createHash("sha256").update(pk).digest("hex").slice(0, 12) };
}

/**
 * Principal tags for attributes for access control (`principalTags` in the stack file): the
 * AppID of the app the user logged in with and which WeChat id keys the user, never the id
 * itself. Grants read them as `aws:PrincipalTag/appId` and `aws:PrincipalTag/userKeyKind`.
 */
export function principalTagsFor(
  user: UserKey,
  config: LoginConfig,
  appId: string,
): { principalTags?: Record<string, string> } {
  if (!config.principalTags) return {};
  const userKeyKind = user.pk.startsWith(UNIONID_KEY_PREFIX) ? "unionid" : "openid";
  return { principalTags: { appId, userKeyKind } };
}

/** STS RoleSessionName: [\w+=,.@-]{2,64}. Derived from the IdentityId (traceable, no PII). */
export function roleSessionNameFor(identityId: string): string {
  const name = `cognito-${identityId}`.replace(/[^\w+=,.@-]/g, "_").slice(0, 64);
  return name.length >= 2 ? name : "cognito-login";
}

export async function login(
  deps: LoginDeps,
  input: LoginInput,
  signal: Deadline,
): Promise<LoginOutcome> {
  const { config, mapping, logger, identity } = deps;
  const now = deps.now?.() ?? new Date();
  const nowIso = now.toISOString();

  const wechat = deps.wechat.get(input.appId);
  if (wechat === undefined) throw new ConfigError("no WeChat adapter for a configured app");
  const session = await exchangeCounted(deps, wechat, input.code, input.client, now, signal);
  const user = userKeyFor(session, config, input.appId);
  const tags = principalTagsFor(user, config, input.appId);
  const plain = (): Promise<OpenIdToken> =>
    identity.getOpenIdToken({ developerUserId: user.pk, ...tags }, signal);
  const seen: Seen = { appId: input.appId, session, nowIso };

  let existing: MappingRow | undefined;
  let issued: OpenIdToken;
  let linkedGuest = false;
  // A user without a row of this key but with an openid row (a unionid migration) is not new.
  let migrating = false;
  if (input.guestIdentityId === undefined) {
    [existing, issued] = await both(mapping.touch(user.pk, nowIso, signal), plain());
    if (existing === undefined) {
      ({ issued, migrating } = await migrateToUnionid(deps, user, seen, issued, plain, signal));
    }
  } else {
    const as = { user, guest: input.guestIdentityId, seen, tags };
    ({ existing, issued, linkedGuest, migrating } = await guestSigned(deps, as, plain, signal));
  }

  // The row follows Cognito's answer; STS (basic flow) runs meanwhile on the token we hold.
  const credentialsFor = (t: OpenIdToken) =>
    deps.credentials
      ? deps.credentials.assumeRole(
          { token: t.token, roleSessionName: roleSessionNameFor(t.identityId) },
          signal,
        )
      : Promise.resolve(undefined);
  // A returning user whose row names Cognito's identity: nothing to write (the touch above
  // recorded the login); syncRow, which only a first login or a repair runs, stays uncompiled.
  const [synced, held] = await Promise.allSettled([
    existing?.identityId === issued.identityId
      ? { created: false, issued }
      : syncRow(deps, user, seen, existing, issued, plain, signal),
    credentialsFor(issued),
  ]);
  if (synced.status === "rejected") throw synced.reason;
  const { created } = synced.value;
  let creds: TemporaryCredentials | undefined;
  if (synced.value.issued !== issued) {
    // Cognito moved the user meanwhile: the credentials of the superseded token are dropped.
    issued = synced.value.issued;
    creds = await credentialsFor(issued);
  } else {
    if (held.status === "rejected") throw held.reason;
    creds = held.value;
  }

  const newUser = created && !migrating;
  logger.info("login_succeeded", {
    user: user.logTag,
    newUser,
    linkedGuest,
    flow: config.flow,
  });
  return {
    identityId: issued.identityId,
    token: issued.token,
    expiresAt: new Date(now.getTime() + config.tokenDurationSeconds * 1000),
    credentials: creds,
    newUser,
    linkedGuest,
  };
}

/**
 * A guest-signed login (input.guestIdentityId set). A user with a row already has an identity:
 * log in to it, never link the guest. The openid row is read alongside (no extra wait): it
 * decides migration vs guest upgrade.
 */
async function guestSigned(
  deps: LoginDeps,
  as: {
    user: UserKey;
    guest: string;
    seen: Seen;
    tags: { principalTags?: Record<string, string> };
  },
  plain: () => Promise<OpenIdToken>,
  signal: Deadline,
): Promise<{
  existing: MappingRow | undefined;
  issued: OpenIdToken;
  linkedGuest: boolean;
  migrating: boolean;
}> {
  const { user, guest, seen, tags } = as;
  const [existing, openidRow] = await both(
    deps.mapping.touch(user.pk, seen.nowIso, signal),
    openidRowOf(deps, user, seen, signal),
  );
  if (existing === undefined && openidRow !== undefined) {
    // An openid-only user: keep their identity (link the unionid key to it), not the guest's.
    const issued = await linkOrPlain(deps, user, openidRow.identityId, plain, signal);
    return { existing, issued, linkedGuest: false, migrating: true };
  }
  if (existing === undefined) {
    const issued = await upgradeGuest(deps, user, guest, seen, tags, plain, signal);
    return { existing, issued, linkedGuest: issued.identityId === guest, migrating: false };
  }
  return { existing, issued: await plain(), linkedGuest: false, migrating: false };
}

/**
 * The openid-keyed row of a unionid-keyed user who has no unionid row yet (a user first seen
 * before WeChat returned their unionid): undefined for anyone else. Records the login on it.
 */
async function openidRowOf(
  deps: LoginDeps,
  user: UserKey,
  seen: Seen,
  signal: Deadline,
): Promise<MappingRow | undefined> {
  if (!user.pk.startsWith(UNIONID_KEY_PREFIX)) return undefined;
  return deps.mapping.touch(openidKey(seen.appId, seen.session.openid), seen.nowIso, signal);
}

/** Link the user's login to `identityId`; if Cognito refuses, the identity Cognito maps it to. */
async function linkOrPlain(
  deps: LoginDeps,
  user: UserKey,
  identityId: string,
  plain: () => Promise<OpenIdToken>,
  signal: Deadline,
): Promise<OpenIdToken> {
  try {
    const issued = await deps.identity.getOpenIdToken(
      { developerUserId: user.pk, identityId },
      signal,
    );
    deps.logger.info("unionid_migrated", { user: user.logTag });
    return issued;
  } catch (err) {
    if (!(err instanceof IdentityConflictError)) throw err;
    deps.logger.warn("unionid_migration_refused", { user: user.logTag, reason: err.message });
    return plain();
  }
}

/**
 * Unionid migration after a plain login without a unionid row (docs/users.md, "Unionid
 * migration"). The plain call already gave the unionid key an identity of its own (a new one), so
 * if the user has an openid row naming another identity, the unionid key is merged into that
 * identity (MergeDeveloperIdentities, destination = the openid key) and Cognito asked again: its
 * answer is authoritative, also when a concurrent login merged first or Cognito refuses. A
 * brand-new user pays one extra read here; returning users never reach it. `migrating`: the user
 * had an openid row, so is no new user (core/metrics.ts LoginSucceeded `outcome`).
 */
async function migrateToUnionid(
  deps: LoginDeps,
  user: UserKey,
  seen: Seen,
  issued: OpenIdToken,
  plain: () => Promise<OpenIdToken>,
  signal: Deadline,
): Promise<{ issued: OpenIdToken; migrating: boolean }> {
  const openidRow = await openidRowOf(deps, user, seen, signal);
  if (openidRow === undefined) return { issued, migrating: false };
  if (openidRow.identityId === issued.identityId) return { issued, migrating: true };
  const destination = openidKey(seen.appId, seen.session.openid);
  try {
    await deps.identity.merge({ source: user.pk, destination }, signal);
    deps.logger.info("unionid_migrated", { user: user.logTag });
  } catch (err) {
    if (!(err instanceof IdentityConflictError)) throw err;
    deps.logger.warn("unionid_migration_refused", { user: user.logTag, reason: err.message });
  }
  return { issued: await plain(), migrating: true };
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
  seen: Seen,
  tags: { principalTags?: Record<string, string> },
  plain: () => Promise<OpenIdToken>,
  signal: Deadline,
): Promise<OpenIdToken> {
  const { mapping, identity, logger } = deps;
  const [claimed, owners] = await both(
    mapping.claimGuest(guest, user.pk, seen.nowIso, signal),
    mapping.usersOfIdentity(guest, signal),
  );
  if (!claimed || owners.some((pk) => pk !== user.pk)) {
    logger.warn("guest_identity_of_another_user", { user: user.logTag });
    return plain();
  }
  try {
    return await identity.getOpenIdToken(
      { developerUserId: user.pk, identityId: guest, ...tags },
      signal,
    );
  } catch (err) {
    if (!(err instanceof IdentityConflictError)) throw err;
    // Already registered under another identity, or the guest identity no longer exists.
    logger.info("guest_link_refused", { user: user.logTag, reason: err.message });
    return plain();
  }
}

/**
 * Make the row name Cognito's identity for the user: create it on a first login; when the row
 * (ours, or the one a concurrent first login created) names another identity than `issued`, ask
 * Cognito once more before repairing, since a concurrent login of the same user may have merged
 * the key meanwhile (docs/users.md, "Unionid migration"), and follow that answer. Returns whether
 * this call created the row, and the token to answer with (`issued`, or the newer answer when
 * Cognito moved the user).
 */
async function syncRow(
  deps: LoginDeps,
  user: UserKey,
  seen: Seen,
  existing: MappingRow | undefined,
  issued: OpenIdToken,
  plain: () => Promise<OpenIdToken>,
  signal: Deadline,
): Promise<{ created: boolean; issued: OpenIdToken }> {
  const { mapping, logger } = deps;
  let row = existing;
  if (row === undefined) {
    const result = await mapping.create(
      {
        pk: user.pk,
        identityId: issued.identityId,
        createdAt: seen.nowIso,
        lastLoginAt: seen.nowIso,
        appId: seen.appId,
        openid: seen.session.openid,
        unionid: seen.session.unionid,
      },
      signal,
    );
    if (result === "created") return { created: true, issued };
    row = result; // a concurrent first login created it first
  }
  if (row.identityId === issued.identityId) return { created: false, issued };
  const again = await plain();
  const latest = again.identityId === issued.identityId ? issued : again;
  if (latest !== issued) logger.info("identity_moved_meanwhile", { user: user.logTag });
  if (row.identityId !== latest.identityId) {
    logger.warn("mapping_identity_mismatch_repaired", { user: user.logTag });
    await mapping.replaceIdentity(user.pk, row.identityId, latest.identityId, seen.nowIso, signal);
  }
  return { created: false, issued: latest };
}

/** What this login saw: the app, WeChat's answer for it, and the login's timestamp. */
interface Seen {
  readonly appId: string;
  readonly session: WechatSession;
  readonly nowIso: string;
}

/** Run two remote calls at once; throw the first one's error (after both have settled). */
async function both<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === "rejected") throw ra.reason;
  if (rb.status === "rejected") throw rb.reason;
  return [ra.value, rb.value];
}
