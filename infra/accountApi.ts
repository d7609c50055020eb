import * as iam from "@pulumi/aws/iam";
import * as lambda from "@pulumi/aws/lambda";
import * as pulumi from "@pulumi/pulumi";
import { buildAccountBundle, type LoginBundle } from "./bundle";
import { accountFunctionPolicy } from "./iam/account";
import { toJson } from "./iam/document";
import { LOGIN_RUNTIME } from "./loginApi";
import { functionBase } from "./functionBase";
import { lambdaRoute } from "./lambdaRoute";
import { NAME_LIMITS, physicalName } from "./naming";
import { arns, type DeployTarget } from "../core/partition";
import { ACCOUNT_ROUTE } from "../core/routes";
import type { PoolCondition } from "../core/vocabulary";

/** The self-service deletion route: SigV4-signed by the identity that deletes itself. */

export interface AccountApiArgs {
  target: pulumi.Input<DeployTarget>;
  /** Prefix of the physical names, as for LoginApi. */
  namePrefix: string;
  /** The login API (the route joins it) and the stage that serves it. */
  apiId: pulumi.Input<string>;
  stageName: pulumi.Input<string>;
  identityPoolId: pulumi.Input<string>;
  identityPoolArn: pulumi.Input<string>;
  developerProviderName: string;
  tableName: pulumi.Input<string>;
  tableArn: pulumi.Input<string>;
  identityIndexArn: pulumi.Input<string>;
  logRetentionDays: number;
  /** How the DeleteIdentities grant names the pool (`accountDeletionPoolCondition`). */
  poolCondition: PoolCondition;
  /** Function code; default the esbuild bundle of functions/account. */
  code?: pulumi.Input<pulumi.asset.Archive>;
  tags: Record<string, string>;
}

/** Function timeout, seconds: a deletion is a handful of control-plane calls. */
const TIMEOUT_SECONDS = 10;

let bundled: Promise<LoginBundle> | undefined;
function bundle(): Promise<LoginBundle> {
  return (bundled ??= buildAccountBundle());
}

/**
 * `DELETE /account` on the login API: the account-deletion function, its least-privilege role,
 * its log group, and the authenticated role's grant of exactly this route (docs/users.md).
 */
export class AccountApi extends pulumi.ComponentResource {
  public readonly functionName: pulumi.Output<string>;
  public readonly functionArn: pulumi.Output<string>;
  /** The function's log group. */
  public readonly functionLogGroupName: pulumi.Output<string>;
  /** `execute-api` ARN of the route (stage, method, path): what the authenticated role may call. */
  public readonly routeArn: pulumi.Output<string>;
  public readonly routePath: string = ACCOUNT_ROUTE.path;

  constructor(name: string, args: AccountApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cognito-devauth:index:AccountApi", name, {}, opts);
    const { tags } = args;
    const target = pulumi.output(args.target);
    const functionName = physicalName(args.namePrefix, "account", NAME_LIMITS.lambdaFunction);

    const { logGroup, role } = functionBase(this, name, {
      target,
      functionName,
      roleName: physicalName(args.namePrefix, "account-function", NAME_LIMITS.role),
      purpose: "account-deletion",
      logRetentionDays: args.logRetentionDays,
      tags,
    });
    const rolePolicy = new iam.RolePolicy(
      `${name}-function`,
      {
        role: role.name,
        policy: pulumi
          .all([target, logGroup.name, args.tableArn, args.identityIndexArn, args.identityPoolArn])
          .apply(([t, logGroupName, tableArn, identityIndexArn, identityPoolArn]) =>
            toJson(
              accountFunctionPolicy({
                logGroupArn: arns.logGroup(t, logGroupName),
                tableArn,
                identityIndexArn,
                identityPoolArn,
                poolCondition: args.poolCondition,
              }),
            ),
          ),
      },
      { parent: this },
    );

    const code =
      args.code ??
      pulumi
        .output(bundle())
        .apply(
          (b) =>
            new pulumi.asset.AssetArchive({ [b.fileName]: new pulumi.asset.StringAsset(b.code) }),
        );
    const fn = new lambda.Function(
      `${name}-function`,
      {
        name: functionName,
        description: "Deletes the calling Cognito identity, its developer logins and its rows",
        runtime: LOGIN_RUNTIME,
        handler: pulumi.output(bundle()).handler,
        code,
        role: pulumi.all([target, role.name]).apply(([t, n]) => arns.role(t, n)),
        memorySize: 256,
        timeout: TIMEOUT_SECONDS,
        environment: {
          variables: {
            IDENTITY_POOL_ID: args.identityPoolId,
            DEVELOPER_PROVIDER_NAME: args.developerProviderName,
            TABLE_NAME: args.tableName,
            POWERTOOLS_SERVICE_NAME: "account-deletion",
            POWERTOOLS_LOG_LEVEL: "INFO",
          },
        },
        tags,
      },
      { parent: this, dependsOn: [rolePolicy, logGroup] },
    );

    lambdaRoute(
      this,
      { integration: `${name}-delete`, permission: `${name}-invoke` },
      {
        target,
        apiId: args.apiId,
        functionName: fn.name,
        ...ACCOUNT_ROUTE,
        // The function trusts the authorizer's cognitoIdentity: never a public route.
        authorizationType: "AWS_IAM",
        timeoutSeconds: TIMEOUT_SECONDS,
      },
    );
    // Signed-in users may call exactly this route: IdentityRoles grants it (and its boundary
    // allows it), since the roles are created after the API.
    this.routeArn = pulumi
      .all([target, args.apiId, args.stageName])
      .apply(([t, apiId, stageName]) =>
        arns.executeApi(t, apiId, stageName, ACCOUNT_ROUTE.method, ACCOUNT_ROUTE.path),
      );
    this.functionArn = pulumi.all([target, fn.name]).apply(([t, n]) => arns.lambdaFunction(t, n));

    this.functionName = fn.name;
    this.functionLogGroupName = logGroup.name;
    this.registerOutputs({
      functionName: this.functionName,
      functionArn: this.functionArn,
      routeArn: this.routeArn,
    });
  }
}
