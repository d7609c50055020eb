/**
 * log-retention: every CloudWatch log group has a retention period.
 *
 * Why: without `retentionInDays` (or with 0) logs never expire (CloudWatch Logs API,
 * PutRetentionPolicy; @pulumi/aws LogGroup docs: 0 = never expire), so personal data such as
 * WeChat openids accumulates indefinitely and storage cost grows without bound.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";

export const LOG_GROUP_TYPE = "aws:cloudwatch/logGroup:LogGroup";

export const logRetention: ResourceValidationPolicy = {
  name: "log-retention",
  description: "CloudWatch log groups must set retentionInDays (> 0).",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== LOG_GROUP_TYPE) return;
    const days = args.props["retentionInDays"];
    if (typeof days !== "number" || !(days > 0)) {
      reportViolation(
        `Log group '${args.name}' has retentionInDays ${days === undefined ? "unset" : `= ${JSON.stringify(days)}`}, ` +
          `so its logs never expire. Set retentionInDays (e.g. 30).`,
      );
    }
  },
};
