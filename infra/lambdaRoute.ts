import * as apigatewayv2 from "@pulumi/aws/apigatewayv2";
import * as lambda from "@pulumi/aws/lambda";
import * as pulumi from "@pulumi/pulumi";
import { arns, servicePrincipal, type DeployTarget } from "../core/partition";

export interface LambdaRouteArgs {
  target: pulumi.Output<DeployTarget>;
  apiId: pulumi.Input<string>;
  /** The function's physical name (its ARN is built from the partition table). */
  functionName: pulumi.Input<string>;
  method: string;
  path: string;
  authorizationType: "AWS_IAM" | "NONE";
  /** The function's timeout: the integration waits a little longer (HTTP APIs stop at 30 s). */
  timeoutSeconds: number;
}

/**
 * One HTTP API route served by a Lambda function: the proxy integration (payload 2.0), the route,
 * and the permission for API Gateway to invoke the function from this API and route only (any
 * stage). Children of `parent`, named `<integrationName>` and `<permissionName>` as before, so a
 * deployed stack keeps them.
 */
export function lambdaRoute(
  parent: pulumi.Resource,
  names: { integration: string; permission: string },
  args: LambdaRouteArgs,
): void {
  const { target } = args;
  const integration = new apigatewayv2.Integration(
    names.integration,
    {
      apiId: args.apiId,
      integrationType: "AWS_PROXY",
      integrationUri: pulumi
        .all([target, args.functionName])
        .apply(([t, n]) => arns.lambdaInvocation(t, arns.lambdaFunction(t, n))),
      integrationMethod: "POST",
      payloadFormatVersion: "2.0",
      timeoutMilliseconds: Math.min(30000, (args.timeoutSeconds + 1) * 1000),
    },
    { parent },
  );
  new apigatewayv2.Route(
    names.integration,
    {
      apiId: args.apiId,
      routeKey: `${args.method} ${args.path}`,
      authorizationType: args.authorizationType,
      target: pulumi.interpolate`integrations/${integration.id}`,
    },
    { parent },
  );
  new lambda.Permission(
    names.permission,
    {
      action: "lambda:InvokeFunction",
      function: args.functionName,
      principal: target.apply((p) => servicePrincipal(p, "apigateway")),
      sourceArn: pulumi
        .all([target, args.apiId])
        .apply(([t, apiId]) => arns.executeApi(t, apiId, "*", args.method, args.path)),
    },
    { parent },
  );
}
