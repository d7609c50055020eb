/**
 * The developer-identity bookkeeping of a Cognito identity pool, as the API reference describes
 * GetOpenIdTokenForDeveloperIdentity, shared by the in-memory fake (support.ts) and the HTTP fake
 * (fake-upstreams.ts):
 *
 * - one IdentityId per developer user id: without `IdentityId` the user's identity is returned,
 *   created on first use;
 * - with `IdentityId` the login is linked to that identity, authenticated or not. An identity may
 *   carry several developer user ids (that is how merges happen), so linking a second user to an
 *   identity SUCCEEDS: the fake never protects the function from passing the wrong IdentityId;
 * - a user registered under another identity: DeveloperUserAlreadyRegisteredException ("already
 *   registered with Cognito under a different identity ID"); an unknown or deleted identity:
 *   ResourceNotFoundException.
 */
import { randomUUID } from "node:crypto";

export type CognitoRefusal =
  "DeveloperUserAlreadyRegisteredException" | "ResourceNotFoundException";

export class CognitoIdentities {
  /** IdentityId -> developer user ids linked to it (empty: an unauthenticated guest). */
  readonly logins = new Map<string, Set<string>>();
  /** Developer user id -> its IdentityId. */
  readonly byUser = new Map<string, string>();

  constructor(readonly region: string) {}

  /** GetId without logins: a new unauthenticated identity (or the given id, for fixtures). */
  createGuest(identityId = `${this.region}:${randomUUID()}`): string {
    if (!this.logins.has(identityId)) this.logins.set(identityId, new Set());
    return identityId;
  }

  /** DeleteIdentities: the identity and its logins are gone. */
  delete(identityId: string): void {
    for (const user of this.logins.get(identityId) ?? []) this.byUser.delete(user);
    this.logins.delete(identityId);
  }

  /**
   * UnlinkDeveloperIdentity: the login leaves the identity and is a new user next time it is
   * seen. A login linked to ANOTHER identity is refused (ResourceConflictException).
   */
  unlink(
    developerUserId: string,
    identityId: string,
  ): "unlinked" | "ResourceNotFoundException" | "ResourceConflictException" {
    const current = this.byUser.get(developerUserId);
    if (current === undefined || !this.logins.has(identityId)) return "ResourceNotFoundException";
    if (current !== identityId) return "ResourceConflictException";
    this.logins.get(identityId)?.delete(developerUserId);
    this.byUser.delete(developerUserId);
    return "unlinked";
  }

  /**
   * MergeDeveloperIdentities: `source` is associated with the IdentityId of `destination`
   * (leaving its old identity without that login). Refused when `destination` is unknown.
   */
  merge(source: string, destination: string): { identityId: string } | { refused: CognitoRefusal } {
    const target = this.byUser.get(destination);
    if (target === undefined) return { refused: "ResourceNotFoundException" };
    const current = this.byUser.get(source);
    if (current !== undefined) this.logins.get(current)?.delete(source);
    this.logins.get(target)?.add(source);
    this.byUser.set(source, target);
    return { identityId: target };
  }

  /** The developer user ids an identity carries, sorted. */
  loginsOf(identityId: string): string[] {
    return [...(this.logins.get(identityId) ?? [])].sort();
  }

  /** GetOpenIdTokenForDeveloperIdentity's bookkeeping: the IdentityId, or why it refused. */
  link(
    developerUserId: string,
    identityId?: string,
  ): { identityId: string } | { refused: CognitoRefusal } {
    const current = this.byUser.get(developerUserId);
    if (identityId === undefined) {
      if (current !== undefined) return { identityId: current };
      const created = this.createGuest();
      this.logins.get(created)?.add(developerUserId);
      this.byUser.set(developerUserId, created);
      return { identityId: created };
    }
    const target = this.logins.get(identityId);
    if (target === undefined) return { refused: "ResourceNotFoundException" };
    if (current !== undefined && current !== identityId) {
      return { refused: "DeveloperUserAlreadyRegisteredException" };
    }
    target.add(developerUserId);
    this.byUser.set(developerUserId, identityId);
    return { identityId };
  }
}
