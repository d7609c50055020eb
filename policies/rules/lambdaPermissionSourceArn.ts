/**
 * lambda-permission-source-arn: a function is invoked only through one API of this account and
 * region: API Gateway permissions name that API, nobody gets principal `*`, and no function URL
 * opens the function to everyone (authorizationType NONE).
 *
 * Why: a permission for `apigateway.amazonaws.com` without `sourceArn`, or with a wildcard API id,
 * region or account, lets ANY API Gateway API (in any account) invoke the function, bypassing our
 * stage throttling and route authorization (Lambda Developer Guide, "Granting function access to
 * AWS services": "use SourceArn ... otherwise other accounts could configure resources to invoke
 * your function"; confused deputy). Stage, method and path wildcards after a concrete API id stay
 * within our API. A permission for principal `*` makes the function invocable by anyone. So does a
 * function URL with authorizationType NONE, and it bypasses the stage's throttling, access logs
 * and route authorization (Lambda Developer Guide, "Lambda function URLs": "NONE ... public
 * access"). In aws-cn, where function URLs do not exist, china-public-route reports them.
 */
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { REGION } from "../../core/ids";
import { resolveRegion } from "./partition";
import { TYPES } from "./types";
import { ARN_PARTITION_RE, splitArn, WILDCARD_RE } from "./util";

/** API Gateway's service principal (global spelling, also used in China; `.cn` tolerated). */
const API_GATEWAY_PRINCIPAL_RE = /^apigateway\.amazonaws\.com(\.cn)?$/i;

/** Why a sourceArn is not one API's execute-api ARN, or undefined when it is. */
function sourceArnProblem(sourceArn: unknown): string | undefined {
  if (typeof sourceArn !== "string" || sourceArn === "") return "has no sourceArn";
  const parts = splitArn(sourceArn);
  if (!parts || parts.service !== "execute-api") {
    return `has sourceArn '${sourceArn}' that is not an execute-api ARN`;
  }
  const wild = (["partition", "region", "account"] as const).filter((f) =>
    WILDCARD_RE.test(parts[f]),
  );
  if (wild.length > 0) {
    return `has sourceArn '${sourceArn}' with a wildcard ${wild.join(" / ")}`;
  }
  if (
    !ARN_PARTITION_RE.test(parts.partition) ||
    !REGION.test(parts.region) ||
    !/^\d{12}$/.test(parts.account)
  ) {
    return `has sourceArn '${sourceArn}' without a concrete partition, region and account`;
  }
  if (!/^[A-Za-z0-9]+(\/.*)?$/.test(parts.resource)) {
    return `has sourceArn '${sourceArn}' without a concrete API id`;
  }
  return undefined;
}

function checkFunctionUrl(args: ResourceValidationArgs, reportViolation: (m: string) => void) {
  if (resolveRegion(args)?.partition === "aws-cn") return; // china-public-route's finding
  const auth = args.props["authorizationType"];
  if (auth !== "NONE") return;
  reportViolation(
    `Lambda function URL '${args.name}' has authorizationType NONE, so anyone on the internet ` +
      `can invoke the function directly, bypassing the API's throttling, access logs and route ` +
      `authorization; remove the function URL and serve the function through the API Gateway ` +
      `route (or set authorizationType AWS_IAM).`,
  );
}

export const lambdaPermissionSourceArn: ResourceValidationPolicy = {
  name: "lambda-permission-source-arn",
  description:
    "Lambda permissions for API Gateway must set sourceArn to one API's execute-api ARN; never principal '*' or a function URL with authorizationType NONE.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type === TYPES.functionUrl) return checkFunctionUrl(args, reportViolation);
    if (args.type !== TYPES.permission) return;
    const principal = args.props["principal"];
    const where = `Lambda permission '${args.name}'`;
    if (principal === "*") {
      reportViolation(
        `${where} grants principal '*', so anyone can invoke the function; grant the one ` +
          `service principal that calls it (apigateway.amazonaws.com) with a sourceArn.`,
      );
      return;
    }
    if (typeof principal !== "string" || !API_GATEWAY_PRINCIPAL_RE.test(principal)) return;
    const problem = sourceArnProblem(args.props["sourceArn"]);
    if (problem === undefined) return;
    reportViolation(
      `${where} for ${principal} ${problem}, so any API Gateway API could invoke the function; ` +
        `set sourceArn to arn:<partition>:execute-api:<region>:<account>:<apiId>/*/<method>/<path>.`,
    );
  },
};
