import type { PolicyDocument } from "./document";

/** Which identities of the pool a role admits. */
export type CognitoIdentityKind = "authenticated" | "unauthenticated";

export interface CognitoTrustPolicyArgs {
  /** The identity pool whose identities may assume the role, e.g. `us-east-1:<uuid>`. */
  identityPoolId: string;
  /** Which identities: signed-in (`authenticated`) or guests (`unauthenticated`). */
  kind: CognitoIdentityKind;
  /** Federated principal, from the partition table (`cognito-identity.amazonaws.com`). */
  principal: string;
  /** Prefix of the `aud` / `amr` condition keys, from the partition table. */
  conditionKeyPrefix: string;
  /**
   * Also allow `sts:TagSession`, under the same conditions: Cognito passes principal tags
   * (attributes for access control) as session tags, which STS accepts only then
   * (docs/cognito.md, "Developer identities: linking and merging").
   */
  tagSession?: boolean;
}

/**
 * A pool id must be one concrete value: an empty, blank or wildcard id is always a mistake that
 * could admit other pools. The exact `<region>:<uuid>` shape is checked by the
 * `cognito-trust-policy` rule, so the builder also works with test doubles whose ids differ.
 */
const CONCRETE_POOL_ID = /^[^\s*?]+$/;

/**
 * Trust policy of a role assumed by this pool's identities through
 * `sts:AssumeRoleWithWebIdentity` (both flows: Cognito calls it for the enhanced flow).
 *
 * - `aud` pins the pool: without it, identities of any pool in any account could assume the role.
 * - `amr` pins the kind: without it, guests could assume the authenticated role.
 *
 * Shape as in the Cognito developer guide ("Role trust and permissions") and CDK's IdentityPool.
 */
export function cognitoTrustPolicy(args: CognitoTrustPolicyArgs): PolicyDocument {
  if (!CONCRETE_POOL_ID.test(args.identityPoolId)) {
    throw new Error(`Not a concrete identity pool id: '${args.identityPoolId}'.`);
  }
  const prefix = args.conditionKeyPrefix;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: args.principal },
        Action: args.tagSession
          ? ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]
          : "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: { [`${prefix}:aud`]: args.identityPoolId },
          "ForAnyValue:StringLike": { [`${prefix}:amr`]: args.kind },
        },
      },
    ],
  };
}
