/**
 * cognito-role-boundary: every role Cognito identities assume carries a permissions boundary
 * that is an `aws.iam.Policy` of this stack.
 *
 * Why: the boundary caps the role whatever is attached to it later, by hand or by another stack
 * (IAM User Guide, "Permissions boundaries for IAM entities"): the stack's boundary allows only
 * the stack's grants and always denies IAM, role chaining, Cognito's developer-identity APIs, the
 * mapping table, the AppSecret, the functions and the stack's log groups (infra/iam/boundary.ts).
 * A boundary from outside the stack cannot be checked.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { cognitoRoles } from "./roleGrants";
import { iamResourceByArn } from "./stack";
import { TYPES } from "./types";
import { isUnknown, known, raw } from "./util";

export const cognitoRoleBoundary: StackValidationPolicy = {
  name: "cognito-role-boundary",
  description:
    "Roles assumed by Cognito identities must carry a permissions boundary that is an aws.iam.Policy of this stack.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const resources: readonly PolicyResource[] = args.resources;
    const policies = resources.filter((r) => r.type === TYPES.policy);
    for (const { role } of cognitoRoles(resources)) {
      const boundary = raw(role.props)["permissionsBoundary"];
      if (isUnknown(boundary)) continue; // preview: checked on `pulumi up`
      if (!known(boundary) || boundary === "") {
        reportViolation(
          `IAM role '${role.name}' is assumed by Cognito identities but has no permissions ` +
            `boundary, so a policy attached later can give every app user anything; set ` +
            `permissionsBoundary to the stack's boundary policy for the role.`,
          role.urn,
        );
      } else if (!iamResourceByArn(boundary, "policy", policies)) {
        reportViolation(
          `IAM role '${role.name}' is assumed by Cognito identities and its permissions boundary ` +
            `'${boundary}' is not an aws.iam.Policy of this stack, so what it allows cannot be ` +
            `checked; use the boundary policy this stack creates for the role.`,
          role.urn,
        );
      }
    }
  },
};
