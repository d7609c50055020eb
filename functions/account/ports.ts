/** Ports of the account-deletion use case. Adapters implement them over AWS; tests inject fakes. */

export interface AccountIdentityPort {
  /**
   * Cognito LookupDeveloperIdentity: the developer user ids linked to `identityId` (every page).
   * An identity Cognito does not know (already deleted) has none.
   */
  loginsOf(identityId: string, signal: AbortSignal): Promise<string[]>;
  /** Cognito UnlinkDeveloperIdentity; a login already unlinked is not an error. */
  unlink(identityId: string, developerUserId: string, signal: AbortSignal): Promise<void>;
  /** Cognito DeleteIdentities for one identity; an identity already gone is not an error. */
  deleteIdentity(identityId: string, signal: AbortSignal): Promise<void>;
}

export interface AccountTablePort {
  /** Keys of the mapping rows naming `identityId` (byIdentityId index, every page). */
  rowsOf(identityId: string, signal: AbortSignal): Promise<string[]>;
  /** Delete row `pk` only while it still names `identityId`; true if it did (or was gone). */
  deleteRow(pk: string, identityId: string, signal: AbortSignal): Promise<boolean>;
  /** Delete the guest claim item of `identityId` (`guest#<IdentityId>`), if there is one. */
  deleteClaim(identityId: string, signal: AbortSignal): Promise<void>;
}
