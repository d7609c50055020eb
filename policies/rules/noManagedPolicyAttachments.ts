/**
 * no-managed-policy-attachments: roles, users and groups get permissions only from documents this
 * policy pack can read: inline policies, or an `aws.iam.Policy` of this stack.
 *
 * Why: an AWS managed policy (`arn:<partition>:iam::aws:policy/...`) is broad by design
 * (AdministratorAccess, PowerUserAccess, ...), changed by AWS without notice, and invisible to
 * no-wildcard-iam, so attaching one bypasses it (IAM User Guide, "AWS managed policies": "we
 * recommend ... customer managed policies that are specific to your use cases"). A customer
 * managed policy that is not in this stack is just as unverifiable.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { iamResourceByArn } from "./stack";
import { kindOf, TYPES } from "./types";
import { asList, known, raw } from "./util";

/** Where each resource type names the managed policies it attaches. */
export const ATTACHMENT_PROPERTIES: Readonly<Record<string, string>> = {
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "policyArn",
  "aws:iam/userPolicyAttachment:UserPolicyAttachment": "policyArn",
  "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": "policyArn",
  "aws:iam/policyAttachment:PolicyAttachment": "policyArn",
  "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": "policyArns",
  "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive": "policyArns",
  "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive": "policyArns",
  [TYPES.role]: "managedPolicyArns",
};

/** `arn:<partition>:iam::aws:policy/...`: a policy owned by AWS, in any partition. */
const AWS_MANAGED_RE = /^arn:[^:]+:iam::aws:policy\//;

export const noManagedPolicyAttachments: StackValidationPolicy = {
  name: "no-managed-policy-attachments",
  description:
    "IAM principals must not attach AWS managed policies or policies that are not aws.iam.Policy resources of this stack.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const resources: readonly PolicyResource[] = args.resources;
    const policies = resources.filter((r) => r.type === TYPES.policy);
    for (const resource of resources) {
      const property = ATTACHMENT_PROPERTIES[resource.type];
      if (property === undefined) continue;
      const kind = kindOf(resource.type);
      const where = `${kind} '${resource.name}'`;
      for (const arn of asList(raw(resource.props)[property])) {
        if (!known(arn)) continue; // preview: checked on `pulumi up`
        if (AWS_MANAGED_RE.test(arn)) {
          reportViolation(
            `${where} attaches AWS managed policy '${arn}' (${property}), whose permissions AWS ` +
              `controls and no-wildcard-iam cannot check; grant the specific actions in an inline ` +
              `policy or an aws.iam.Policy of this stack instead.`,
            resource.urn,
          );
        } else if (!iamResourceByArn(arn, "policy", policies)) {
          reportViolation(
            `${where} attaches policy '${arn}' (${property}), which is not an aws.iam.Policy of ` +
              `this stack, so no-wildcard-iam cannot check its document; define the policy in ` +
              `this stack or use an inline policy.`,
            resource.urn,
          );
        }
      }
    }
  },
};
