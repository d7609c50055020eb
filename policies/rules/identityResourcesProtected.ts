/**
 * identity-resources-protected: the identity pool and the user-mapping table cannot be lost by
 * accident.
 *
 * Why: a replaced or deleted identity pool orphans every IdentityId (docs/cognito.md, "Cognito
 * identity pools: the flows"), and the DynamoDB mapping table is the only copy of our user ->
 * IdentityId mapping. Pulumi `protect` blocks `pulumi destroy`/replacement; DynamoDB deletion
 * protection blocks deletes from any tool; point-in-time recovery restores from bad writes
 * (DynamoDB Developer Guide, "Point-in-time recovery", "Deletion protection").
 *
 * Encryption decision: DynamoDB always encrypts at rest. With `serverSideEncryption.enabled`
 * false or unset it uses an AWS-owned key (console: DEFAULT), invisible in the account's KMS and
 * CloudTrail. We require `enabled: true` (AWS managed key `alias/aws/dynamodb`, or a customer
 * managed key via `kmsKeyArn`) so key use is auditable in CloudTrail (@pulumi/aws
 * TableServerSideEncryption docs; DynamoDB Developer Guide, "Encryption at rest").
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isRecord } from "./util";

export const IDENTITY_POOL_TYPE = "aws:cognito/identityPool:IdentityPool";
export const TABLE_TYPE = "aws:dynamodb/table:Table";

export const identityResourcesProtected: ResourceValidationPolicy = {
  name: "identity-resources-protected",
  description:
    "The identity pool and DynamoDB tables must be protected; tables need PITR, deletion protection and KMS encryption.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== IDENTITY_POOL_TYPE && args.type !== TABLE_TYPE) return;
    const isPool = args.type === IDENTITY_POOL_TYPE;
    const label = isPool ? `Identity pool '${args.name}'` : `DynamoDB table '${args.name}'`;

    if (args.opts.protect !== true) {
      reportViolation(
        `${label} is not protected: \`pulumi destroy\` or a replacement would delete it` +
          (isPool ? " and orphan every IdentityId" : " and its user mappings") +
          `. Create it with { protect: true }.`,
      );
    }
    if (isPool) return;

    const pitr = args.props["pointInTimeRecovery"];
    if (!isRecord(pitr) || pitr["enabled"] !== true) {
      reportViolation(
        `${label} has no point-in-time recovery: a bad write or delete cannot be undone. ` +
          `Set pointInTimeRecovery: { enabled: true }.`,
      );
    }
    if (args.props["deletionProtectionEnabled"] !== true) {
      reportViolation(
        `${label} has no deletion protection: any tool or console user can delete it. ` +
          `Set deletionProtectionEnabled: true.`,
      );
    }
    const sse = args.props["serverSideEncryption"];
    if (!isRecord(sse) || sse["enabled"] !== true) {
      reportViolation(
        `${label} is encrypted only with an AWS-owned key (serverSideEncryption not enabled), ` +
          `whose use is invisible in CloudTrail. Set serverSideEncryption: { enabled: true } ` +
          `(AWS managed key, or kmsKeyArn for a customer managed key).`,
      );
    }
  },
};
