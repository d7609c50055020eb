/**
 * Account deletion: remove one identity of the pool, its developer logins, its mapping rows and
 * its guest claim item (docs/users.md, "Account deletion"). Shared by the self-service route
 * (handler.ts) and the operator command (scripts/users.ts).
 *
 * Cognito is authoritative for the logins: only the developer user ids Cognito lists for THIS
 * identity are unlinked, so a stale row naming this identity never unlinks a login that now
 * belongs to another one. Rows are deleted on the condition that they still name this identity,
 * so a row a concurrent login has repaired to a new identity stays. Order: unlink, delete the
 * identity, then the rows: a run cut short anywhere is finished by the next call (idempotent).
 */
import { createHash } from "node:crypto";
import type { LogPort } from "../login/ports";
import { guestClaimKey } from "../login/mapping";
import type { AccountIdentityPort, AccountTablePort } from "./ports";

export interface DeleteAccountDeps {
  readonly identity: AccountIdentityPort;
  readonly table: AccountTablePort;
  readonly logger: LogPort;
}

export interface DeletionReport {
  /** Developer logins unlinked in Cognito by this call. */
  readonly unlinkedLogins: number;
  /** Mapping rows deleted by this call. */
  readonly deletedRows: number;
  /** Rows that named the identity but were repaired to another one meanwhile (left alone). */
  readonly keptRows: number;
}

/** Short, non-reversible tag of an IdentityId for audit logs. */
export function identityTag(identityId: string): string {
  return createHash("sha256").update(identityId).digest("hex").slice(0, 12);
}

export async function deleteAccount(
  deps: DeleteAccountDeps,
  identityId: string,
  signal: AbortSignal,
): Promise<DeletionReport> {
  const { identity, table, logger } = deps;
  const [logins, rows] = await Promise.all([
    identity.loginsOf(identityId, signal),
    table.rowsOf(identityId, signal),
  ]);
  for (const login of logins) await identity.unlink(identityId, login, signal);
  await identity.deleteIdentity(identityId, signal);
  let deletedRows = 0;
  let keptRows = 0;
  for (const pk of rows) {
    if (pk === guestClaimKey(identityId)) continue;
    if (await table.deleteRow(pk, identityId, signal)) deletedRows++;
    else keptRows++;
  }
  await table.deleteClaim(identityId, signal);
  logger.info("account_deleted", {
    identity: identityTag(identityId),
    unlinkedLogins: logins.length,
    deletedRows,
    keptRows,
  });
  return { unlinkedLogins: logins.length, deletedRows, keptRows };
}
