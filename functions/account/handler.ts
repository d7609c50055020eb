/**
 * Self-service account deletion route (`DELETE /account`, AWS_IAM). The identity to delete is
 * the caller's own, taken from the IAM authorizer context only: an AUTHENTICATED identity of
 * this pool. Nothing in the request body or path is read.
 */
import { isIdentityIdOfPoolRegion } from "../../core/ids";
import { LoginError, isRecord } from "../login/errors";
import { errorResponse, jsonResponse, type HttpResponse } from "../login/http";
import { deleteAccount, type DeleteAccountDeps } from "./deleteAccount";

/** The caller is not a signed-in identity of this pool (guest, IAM user, another pool). */
export class NotAuthenticatedError extends LoginError {
  readonly status = 403;
  readonly code = "NOT_AUTHENTICATED";
  constructor() {
    super("Only a signed-in identity of this pool can delete its own account.");
  }
}

export interface AccountHandlerDeps extends DeleteAccountDeps {
  readonly identityPoolId: string;
  /** Upper bound on one deletion (the function timeout is a little above it). */
  readonly maxMs?: number;
}

export const DEFAULT_ACCOUNT_MAX_MS = 9000;

export type AccountHandler = (
  event: unknown,
  context?: { awsRequestId?: string },
) => Promise<HttpResponse>;

/** The caller's IdentityId, if it is an authenticated identity of `identityPoolId`. */
export function authenticatedIdentityOf(event: unknown, identityPoolId: string): string {
  const ctx = pick(
    pick(pick(pick(event, "requestContext"), "authorizer"), "iam"),
    "cognitoIdentity",
  );
  if (!isRecord(ctx)) throw new NotAuthenticatedError();
  const { identityId, identityPoolId: poolId, amr } = ctx;
  if (poolId !== identityPoolId) throw new NotAuthenticatedError();
  if (!Array.isArray(amr) || !amr.includes("authenticated") || amr.includes("unauthenticated")) {
    throw new NotAuthenticatedError();
  }
  if (!isIdentityIdOfPoolRegion(identityId, identityPoolId)) throw new NotAuthenticatedError();
  return identityId as string;
}

export function makeAccountHandler(deps: AccountHandlerDeps): AccountHandler {
  return async (event, context) => {
    const requestId = requestIdOf(event, context);
    try {
      const identityId = authenticatedIdentityOf(event, deps.identityPoolId);
      const signal = AbortSignal.timeout(deps.maxMs ?? DEFAULT_ACCOUNT_MAX_MS);
      await deleteAccount(deps, identityId, signal);
      return jsonResponse(200, { deleted: true, identityId });
    } catch (err) {
      logFailure(deps, err, requestId);
      return errorResponse(err, requestId);
    }
  };
}

function logFailure(deps: AccountHandlerDeps, err: unknown, requestId: string): void {
  try {
    if (err instanceof LoginError) {
      const detail = "detail" in err && typeof err.detail === "string" ? err.detail : undefined;
      const level = err.status >= 500 ? "error" : "info";
      deps.logger[level]("account_deletion_failed", { code: err.code, detail, requestId });
    } else {
      const name = err instanceof Error ? err.name : typeof err;
      deps.logger.error("unexpected_error", { errorType: name, requestId });
    }
  } catch {
    // Logging never turns a response into a thrown error.
  }
}

function requestIdOf(event: unknown, context: { awsRequestId?: string } | undefined): string {
  const fromContext = context?.awsRequestId;
  if (typeof fromContext === "string" && fromContext !== "") return fromContext.slice(0, 100);
  const id = pick(pick(event, "requestContext"), "requestId");
  return typeof id === "string" && /^[\w-]{1,100}$/.test(id) ? id : "unknown";
}

function pick(v: unknown, key: string): unknown {
  return isRecord(v) ? v[key] : undefined;
}
