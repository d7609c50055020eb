/**
 * The login use case: WeChat code -> user key -> Cognito developer identity (+ STS in the basic
 * flow), keeping our mapping table in step. No I/O here except through the ports.
 *
 * Latency: a returning user waits on exactly two remote steps in sequence: WeChat, then Cognito
 * and DynamoDB (UpdateItem lastLoginAt, attribute_exists) in parallel. A first login adds one
 * conditional PutItem after Cognito answers; the basic flow adds STS after Cognito (in parallel
 * with that PutItem). A guest upgrade reads the mapping before calling Cognito (one extra step,
 * only for guest callers) because whether to pass the guest IdentityId depends on it.
 *
 * Row vs Cognito: when the mapping row (read by the parallel update, or written by a concurrent
 * first login that won the conditional create) names another IdentityId than Cognito answered,
 * Cognito is asked again WITH the row's IdentityId (see `adoptRow`). Real Cognito never disagrees
 * unless the row is stale, and then refuses (conflict) and its own answer wins; emulators without
 * the developer-user mapping (moto: a random IdentityId per call) accept it, so a user keeps one
 * identity there too.
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

  /**
   * Our row says `row.identityId`, and Cognito answered otherwise (`answer`) or was not asked
   * yet. Ask Cognito for a token for the row's identity. Real Cognito links a developer user to
   * one identity, so this succeeds only when the row is right (then the row wins: it also covers
   * emulators without Cognito's developer-user mapping, which hand out a new IdentityId on every
   * call). If Cognito says the login belongs to another identity, the row is stale: Cognito's
   * answer wins and the row is repaired.
   */
  const adoptRow = async (
    row: MappingRow,
    answer: OpenIdToken | undefined,
  ): Promise<OpenIdToken> => {
    let chosen: OpenIdToken;
    try {
      chosen = await identity.getOpenIdToken(
        { developerUserId: user.pk, identityId: row.identityId },
        signal,
      );
    } catch (err) {
      if (!(err instanceof IdentityConflictError)) throw err;
      chosen = answer ?? (await identity.getOpenIdToken({ developerUserId: user.pk }, signal));
    }
    if (chosen.identityId !== row.identityId) {
      logger.warn("mapping_identity_mismatch_repaired", { user: user.logTag });
      await mapping.replaceIdentity(user.pk, row.identityId, chosen.identityId, nowIso, signal);
    }
    return chosen;
  };

  let existing: MappingRow | undefined;
  let issued: OpenIdToken;
  let linkedGuest = false;
  if (input.guestIdentityId !== undefined) {
    // Guest upgrade. A WeChat user who already has an identity (mapping row, or Cognito says the
    // login belongs to another identity) logs in to THAT identity: the guest IdentityId is not
    // linked, and the guest identity is simply left behind (its data is not merged).
    existing = await mapping.touch(user.pk, nowIso, signal);
    if (existing === undefined) {
      try {
        issued = await identity.getOpenIdToken(
          { developerUserId: user.pk, identityId: input.guestIdentityId },
          signal,
        );
        linkedGuest = issued.identityId === input.guestIdentityId;
      } catch (err) {
        if (!(err instanceof IdentityConflictError)) throw err;
        logger.info("guest_upgrade_conflict_existing_identity", { user: user.logTag });
        issued = await identity.getOpenIdToken({ developerUserId: user.pk }, signal);
      }
    } else {
      issued = await adoptRow(existing, undefined);
    }
  } else {
    // Returning user: exactly two remote steps (WeChat, then Cognito || DynamoDB) when the row
    // and Cognito agree; one more Cognito call only when they disagree.
    const [touched, token] = await Promise.allSettled([
      mapping.touch(user.pk, nowIso, signal),
      identity.getOpenIdToken({ developerUserId: user.pk }, signal),
    ]);
    if (token.status === "rejected") throw token.reason;
    if (touched.status === "rejected") throw touched.reason;
    existing = touched.value;
    issued = token.value;
    if (existing !== undefined && existing.identityId !== issued.identityId) {
      issued = await adoptRow(existing, issued);
    }
  }

  const credentialsFor = (t: OpenIdToken): Promise<TemporaryCredentials | undefined> =>
    deps.credentials
      ? deps.credentials.assumeRole(
          { token: t.token, roleSessionName: roleSessionNameFor(t.identityId) },
          signal,
        )
      : Promise.resolve(undefined);

  // STS (basic flow) runs in parallel with the first-login PutItem, on the token we hold; it is
  // redone only if losing the conditional create switches us to another identity.
  let created = false;
  const credentialsPromise = credentialsFor(issued);
  const mappingPromise = (async (): Promise<OpenIdToken> => {
    if (existing !== undefined) return issued;
    const result = await mapping.create(
      {
        pk: user.pk,
        identityId: issued.identityId,
        createdAt: nowIso,
        lastLoginAt: nowIso,
        appId: config.wechatAppId,
        openid: session.openid,
        unionid: session.unionid,
      },
      signal,
    );
    if (result === "created") {
      created = true;
      return issued;
    }
    // A concurrent first login created the row first.
    if (result.identityId === issued.identityId) return issued;
    return adoptRow(result, issued);
  })();

  const [mapped, creds] = await Promise.allSettled([mappingPromise, credentialsPromise]);
  if (mapped.status === "rejected") {
    if (creds.status === "rejected") throw creds.reason;
    throw mapped.reason;
  }
  const final = mapped.value;
  let credentials: TemporaryCredentials | undefined;
  if (final.token === issued.token) {
    if (creds.status === "rejected") throw creds.reason;
    credentials = creds.value;
  } else {
    credentials = await credentialsFor(final);
  }
  if (linkedGuest && final.identityId !== input.guestIdentityId) linkedGuest = false;

  logger.info("login_succeeded", {
    user: user.logTag,
    newUser: created,
    linkedGuest,
    flow: config.flow,
  });
  return {
    identityId: final.identityId,
    token: final.token,
    expiresAt: new Date(now.getTime() + config.tokenDurationSeconds * 1000),
    credentials,
    newUser: created,
    linkedGuest,
  };
}
