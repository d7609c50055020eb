import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as iam from "@pulumi/aws/iam";
import * as pulumi from "@pulumi/pulumi";
import { servicePrincipal, type DeployTarget } from "../core/partition";
import { toJson } from "./iam/document";
import { serviceTrustPolicy } from "./iam/login";

export interface FunctionBaseArgs {
  target: pulumi.Output<DeployTarget>;
  /** The function's physical name: its log group is `/aws/lambda/<functionName>`. */
  functionName: string;
  /** The execution role's physical name. */
  roleName: string;
  /** What the function does, for the role's description. */
  purpose: string;
  logRetentionDays: number;
  tags: Record<string, string>;
}

/**
 * What every function of the stack starts from: the log group Lambda writes to, created by the
 * stack with retention (otherwise Lambda creates it on first invocation, kept forever), and an
 * execution role only Lambda may assume. Children of `parent`, named `<name>-function-logs` and
 * `<name>-function` as before, so a deployed stack keeps them.
 */
export function functionBase(
  parent: pulumi.Resource,
  name: string,
  args: FunctionBaseArgs,
): { logGroup: cloudwatch.LogGroup; role: iam.Role } {
  const logGroup = new cloudwatch.LogGroup(
    `${name}-function-logs`,
    {
      name: `/aws/lambda/${args.functionName}`,
      retentionInDays: args.logRetentionDays,
      tags: args.tags,
    },
    { parent },
  );
  const role = new iam.Role(
    `${name}-function`,
    {
      name: args.roleName,
      description: `Execution role of the ${args.purpose} function ${args.functionName}`,
      assumeRolePolicy: args.target.apply((p) =>
        toJson(serviceTrustPolicy(servicePrincipal(p, "lambda"))),
      ),
      tags: args.tags,
    },
    { parent },
  );
  return { logGroup, role };
}
