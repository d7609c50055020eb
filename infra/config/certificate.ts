/**
 * The login domain's certificate ARN. A regional API Gateway custom domain takes only an ACM
 * certificate of the API's own region, requested in or imported into ACM (API Gateway Developer
 * Guide, "Set up a Regional custom domain name"; docs/aws-china.md, "API Gateway"). IAM server
 * certificates serve only edge-optimized domains, which AWS China does not have. The format is
 * checked here; partition and region against the stack in ./rules.ts.
 */
import { z } from "zod";
import { ACM_CERTIFICATE_RESOURCE, parseArn } from "../../core/ids";
import { isPartitionId } from "../../core/partition";

const WHAT = "an ACM certificate ARN (…:acm:<region>:<account>:certificate/<id>)";

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
    return (
      `${WHAT}: IAM server certificates serve only edge-optimized domains, and a regional ` +
      "custom domain takes an ACM certificate (import yours into ACM in the stack's region)"
    );
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
