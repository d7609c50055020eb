/**
 * The login domain's certificate ARN. API Gateway takes an ACM certificate of the API's region
 * or, where ACM cannot issue or hold it, an IAM server certificate (docs/aws-china.md, "Custom
 * domains"). The format is checked here; partition and region against the stack in ./rules.ts.
 */
import { z } from "zod";
import {
  ACM_CERTIFICATE_RESOURCE,
  IAM_SERVER_CERTIFICATE_RESOURCE,
  parseArn,
} from "../../core/ids";
import { isPartitionId } from "../../core/partition";

const WHAT =
  "an ACM certificate ARN (…:acm:<region>:<account>:certificate/<id>) or an IAM server " +
  "certificate ARN (…:iam::<account>:server-certificate/<name>)";

/** Why `value` is not a certificate ARN API Gateway takes, or undefined when it is one. */
export function certificateArnProblem(value: string): string | undefined {
  const arn = parseArn(value);
  if (!arn || !isPartitionId(arn.partition) || arn.account === "") return WHAT;
  if (arn.service === "acm") {
    return arn.region !== "" && ACM_CERTIFICATE_RESOURCE.test(arn.resource)
      ? undefined
      : `an ACM certificate ARN ends in :<region>:<account>:certificate/<id>`;
  }
  if (arn.service === "iam") {
    return arn.region === "" && IAM_SERVER_CERTIFICATE_RESOURCE.test(arn.resource)
      ? undefined
      : `an IAM certificate ARN has no region and ends in :<account>:server-certificate/<name>`;
  }
  return `${WHAT}, not a ${arn.service} ARN`;
}

export const certificateArn = z
  .string({
    error: (issue) =>
      issue.input === undefined ? `{key} is required: ${WHAT}` : `{key}: must be ${WHAT}`,
  })
  .superRefine((value, ctx) => {
    const problem = certificateArnProblem(value);
    if (problem)
      ctx.addIssue({ code: "custom", message: `{key} {value} is not valid: ${problem}` });
  });
