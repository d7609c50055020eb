/**
 * The trust policy a Cognito role must have, written out by hand (an oracle independent of
 * infra/iam/trust.ts): this pool only (`aud`), one kind of identity only (`amr`).
 */
export function expectedTrustPolicy(prefix: string, poolId: string, amr: string) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: "cognito-identity.amazonaws.com" },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: { [`${prefix}:aud`]: poolId },
          "ForAnyValue:StringLike": { [`${prefix}:amr`]: amr },
        },
      },
    ],
  };
}
