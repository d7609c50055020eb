/**
 * identity-resources-protected: no resource that holds identities can be lost by accident. Every
 * identity pool, user pool and DynamoDB table (the user -> IdentityId mapping) is `protect`ed and
 * `retainOnDelete`, and has the service's own deletion protection where it has one.
 *
 * Why: a replaced or deleted identity pool orphans every IdentityId (docs/cognito.md,
 * "Identifier formats"), and the DynamoDB mapping table is the only copy of our user ->
 * IdentityId mapping. Pulumi `protect` blocks `pulumi destroy`/replacement while the option is
 * set; `retainOnDelete` keeps the cloud resource when it leaves the program anyway (a refactor, a
 * dropped `protect`), since Pulumi then only forgets it (Pulumi docs, "retainOnDelete"). DynamoDB
 * and user-pool deletion protection block deletes from any tool; point-in-time recovery restores
 * from bad writes (DynamoDB Developer Guide, "Point-in-time recovery", "Deletion protection").
 *
 * retainOnDelete visibility: @pulumi/policy's `PolicyResourceOptions` has no `retainOnDelete`, so
 * under `pulumi preview/up --policy-pack` only `protect` is checked here; the offline plan
 * (./run.ts `runPolicies`) passes the option and this rule enforces it there.
 *
 * Encryption decision: DynamoDB always encrypts at rest. With `serverSideEncryption.enabled`
 * false or unset it uses an AWS-owned key (console: DEFAULT), invisible in the account's KMS and
 * CloudTrail. We require `enabled: true` (AWS managed key `alias/aws/dynamodb`, or a customer
 * managed key via `kmsKeyArn`) so key use is auditable in CloudTrail (@pulumi/aws
 * TableServerSideEncryption docs; DynamoDB Developer Guide, "Encryption at rest").
 */
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES } from "./types";
import { isRecord, retainOnDeleteOf } from "./util";

type Report = (message: string) => void;

/** Every resource type that holds identities, what losing it costs, and its own checks. */
const IDENTITY_HOLDERS: Readonly<
  Record<
    string,
    { label: string; loss: string; check?: (args: ResourceValidationArgs, r: Report) => void }
  >
> = {
  [TYPES.identityPool]: { label: "Identity pool", loss: "orphan every IdentityId" },
  [TYPES.userPool]: {
    label: "Cognito user pool",
    loss: "delete every user in it",
    check: (args, reportViolation) => {
      if (args.props["deletionProtection"] === "ACTIVE") return;
      reportViolation(
        `Cognito user pool '${args.name}' has no deletion protection: any tool or console user ` +
          `can delete it. Set deletionProtection: "ACTIVE".`,
      );
    },
  },
  [TYPES.table]: { label: "DynamoDB table", loss: "lose its user mappings", check: tableChecks },
};

function tableChecks(args: ResourceValidationArgs, reportViolation: Report): void {
  const label = `DynamoDB table '${args.name}'`;
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
}

export const identityResourcesProtected: ResourceValidationPolicy = {
  name: "identity-resources-protected",
  description:
    "Identity pools, user pools and DynamoDB tables must be protect + retainOnDelete with deletion protection; tables need PITR and KMS encryption.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const holder = IDENTITY_HOLDERS[args.type];
    if (!holder) return;
    const label = `${holder.label} '${args.name}'`;
    const fix = "Create it with { protect: true, retainOnDelete: true }.";

    if (args.opts.protect !== true) {
      reportViolation(
        `${label} is not protected: \`pulumi destroy\` or a replacement would delete it and ` +
          `${holder.loss}. ${fix}`,
      );
    }
    if (retainOnDeleteOf(args.opts) === false) {
      reportViolation(
        `${label} is not retained on delete: once it leaves the program or loses protect, ` +
          `Pulumi deletes it and would ${holder.loss}. ${fix}`,
      );
    }
    holder.check?.(args, reportViolation);
  },
};
