/** Account-deletion ports over the same Cognito model and mapping fake the login tests use. */
import type { CognitoIdentities } from "./cognito-model";
import { POOL_ID, type FakeMapping } from "./support";
import type { AccountIdentityPort, AccountTablePort } from "../../functions/account/ports";

export class FakeAccountIdentity implements AccountIdentityPort {
  readonly calls: string[] = [];
  constructor(readonly model: CognitoIdentities) {}

  async loginsOf(identityId: string) {
    this.calls.push(`lookup ${identityId}`);
    return this.model.loginsOf(identityId);
  }

  async unlink(identityId: string, developerUserId: string) {
    this.calls.push(`unlink ${identityId} ${developerUserId}`);
    const result = this.model.unlink(developerUserId, identityId);
    // The adapter tolerates "already unlinked"; a conflict is a bug in the use case.
    if (result === "ResourceConflictException") throw new Error(result);
  }

  async deleteIdentity(identityId: string) {
    this.calls.push(`delete ${identityId}`);
    this.model.delete(identityId);
  }
}

export class FakeAccountTable implements AccountTablePort {
  constructor(readonly mapping: FakeMapping) {}

  async rowsOf(identityId: string) {
    return [...this.mapping.rows.values()]
      .filter((r) => r.identityId === identityId)
      .map((r) => r.pk);
  }

  async deleteRow(pk: string, identityId: string) {
    const row = this.mapping.rows.get(pk);
    if (row && row.identityId !== identityId) return false;
    this.mapping.rows.delete(pk);
    return true;
  }

  async deleteClaim(identityId: string) {
    // FakeMapping keys claims by the guest IdentityId (the table item is `guest#<IdentityId>`).
    this.mapping.claims.delete(identityId);
  }
}

/** An API Gateway v2 event signed by a Cognito identity (IAM authorizer context). */
export function signedEvent(
  identityId: string,
  amr: string[] = ["authenticated", "login.wechat.test", `login.wechat.test:${POOL_ID}:x`],
  poolId = POOL_ID,
  body?: unknown,
): Record<string, unknown> {
  return {
    version: "2.0",
    routeKey: "DELETE /account",
    rawPath: "/account",
    headers: {},
    isBase64Encoded: false,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    requestContext: {
      requestId: "req-del",
      http: { method: "DELETE", path: "/account" },
      authorizer: {
        iam: {
          accessKey: "ASIAUSER",
          accountId: "123456789012",
          cognitoIdentity: { amr, identityId, identityPoolId: poolId },
        },
      },
    },
  };
}
