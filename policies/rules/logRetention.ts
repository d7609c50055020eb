/**
 * log-retention: every log the stack writes expires. Each CloudWatch log group sets a retention
 * period, and each Lambda function writes to a log group of this stack: `/aws/lambda/<function
 * name>` (Lambda's default), or the group its `loggingConfig.logGroup` names.
 *
 * Why: without `retentionInDays` (or with 0) logs never expire (CloudWatch Logs API,
 * PutRetentionPolicy; @pulumi/aws LogGroup docs: 0 = never expire), so personal data such as
 * WeChat openids accumulates indefinitely and storage cost grows without bound. A function whose
 * group is not in the stack (a typo in the name, a renamed function, a `loggingConfig` pointing
 * elsewhere) makes Lambda create the real group itself on first invocation, with no retention,
 * while the stack's group stays empty and the role's log permission points at it (Lambda
 * Developer Guide, "Sending Lambda function logs to CloudWatch Logs").
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { TYPES } from "./types";
import { isRecord, isUnknown, known, raw } from "./util";

/** The log group a function writes to, or undefined while its name is unknown (preview). */
function logGroupNameOf(fn: PolicyResource): { name: string; from: string } | undefined {
  const props = raw(fn.props);
  const config = props["loggingConfig"];
  const configured = isRecord(config) ? config["logGroup"] : undefined;
  if (configured !== undefined && configured !== "") {
    return known(configured) ? { name: configured, from: "its loggingConfig.logGroup" } : undefined;
  }
  const name = props["name"];
  return known(name)
    ? { name: `/aws/lambda/${name}`, from: "Lambda's default /aws/lambda/<function name>" }
    : undefined;
}

export const logRetention: StackValidationPolicy = {
  name: "log-retention",
  description:
    "CloudWatch log groups must set retentionInDays (> 0), and every Lambda function must write to a log group of this stack.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const resources: readonly PolicyResource[] = args.resources;
    const groups = resources.filter((r) => r.type === TYPES.logGroup);

    for (const group of groups) {
      const days = raw(group.props)["retentionInDays"];
      if (typeof days === "number" && days > 0) continue;
      if (isUnknown(days)) continue; // unknown during preview: checked on `pulumi up`
      reportViolation(
        `Log group '${group.name}' has retentionInDays ${days === undefined ? "unset" : `= ${JSON.stringify(days)}`}, ` +
          `so its logs never expire. Set retentionInDays (e.g. 30).`,
        group.urn,
      );
    }

    const names = groups.map((g) => raw(g.props)["name"]);
    if (!names.every(known)) return; // a group name unknown during preview: checked on `up`
    for (const fn of resources) {
      if (fn.type !== TYPES.function) continue;
      const target = logGroupNameOf(fn);
      if (!target || names.includes(target.name)) continue;
      reportViolation(
        `Lambda function '${fn.name}' writes its logs to log group '${target.name}' ` +
          `(${target.from}), which is not a log group of this stack, so Lambda creates it on ` +
          `first invocation with no retention and the logs never expire; create an ` +
          `aws.cloudwatch.LogGroup named '${target.name}' with retentionInDays, or point ` +
          `loggingConfig.logGroup at a log group of this stack.`,
        fn.urn,
      );
    }
  },
};
