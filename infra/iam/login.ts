/**
 * IAM documents of the login API: pure functions, plain strings in, typed JSON out. Every
 * statement names exact resources and only the actions the function calls
 * (functions/login: GetItem/PutItem/UpdateItem on the table, Query on the `byIdentityId` index
 * only where a guest can sign the login, GetOpenIdTokenForDeveloperIdentity,
 * MergeDeveloperIdentities with userKey unionid, GetSecretValue). STS AssumeRoleWithWebIdentity
 * (basic flow) is authorized by the web identity token and the role's trust policy, so it needs
 * no permission here.
 */
import type { PolicyDocument, PolicyStatement } from "./document";

export interface LoginFunctionPolicyArgs {
  /** ARN of the function's log group, as the provider reports it (no `:*`). */
  logGroupArn: string;
  /** ARN of the user mapping table. */
  tableArn: string;
  /** ARN of the table's `byIdentityId` index (`<table ARN>/index/byIdentityId`). */
  identityIndexArn: string;
  /**
   * A guest can sign the login (`loginAuth: iam`): only then does the IAM authorizer name a guest
   * identity, whose upgrade queries the index. A public route never does, so no Query there.
   */
  guestUpgrade: boolean;
  /** ARN of the identity pool. */
  identityPoolArn: string;
  /** ARNs (or by-name patterns) of the Secrets Manager secrets holding the apps' AppSecrets. */
  wechatSecretArns: readonly string[];
  /**
   * Unionid migration (userKey `unionid`): MergeDeveloperIdentities links a unionid that appears
   * later to the user's openid identity (docs/users.md, "Unionid migration").
   */
  mergeIdentities?: boolean;
}

/** A function writes to its own log group, which the stack creates (so no logs:CreateLogGroup). */
export function writeOwnLogs(logGroupArn: string): PolicyStatement {
  return {
    Sid: "WriteOwnLogs",
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
    Resource: `${logGroupArn}:log-stream:*`,
  };
}

/** Permissions of the login function's execution role. */
export function loginFunctionPolicy(args: LoginFunctionPolicyArgs): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      writeOwnLogs(args.logGroupArn),
      {
        Sid: "MapUsersToIdentities",
        Effect: "Allow",
        Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
        Resource: args.tableArn,
      },
      ...(args.guestUpgrade
        ? [
            {
              // Guest upgrade: which users' rows name a guest identity (functions/README.md,
              // "Guest upgrade"). The index only: no Query or Scan of the table itself.
              Sid: "FindUsersOfIdentity",
              Effect: "Allow" as const,
              Action: "dynamodb:Query",
              Resource: args.identityIndexArn,
            },
          ]
        : []),
      {
        Sid: "IssueDeveloperIdentityTokens",
        Effect: "Allow",
        Action: args.mergeIdentities
          ? [
              "cognito-identity:GetOpenIdTokenForDeveloperIdentity",
              "cognito-identity:MergeDeveloperIdentities",
            ]
          : "cognito-identity:GetOpenIdTokenForDeveloperIdentity",
        Resource: args.identityPoolArn,
      },
      {
        Sid: "ReadWeChatAppSecret",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: oneOrList(args.wechatSecretArns, "wechatSecretArns"),
      },
    ],
  };
}

/** Trust policy of a role assumed by a service, e.g. `lambda.amazonaws.com`. */
export function serviceTrustPolicy(servicePrincipal: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: servicePrincipal },
        Action: "sts:AssumeRole",
      },
    ],
  };
}

/**
 * A statement's resources: one ARN as a string (the document a single-app stack always had), more
 * as a list. An empty list would grant nothing and hides a wiring mistake, so it throws.
 */
function oneOrList(resources: readonly string[], what: string): string | string[] {
  const [only, ...more] = resources;
  if (only === undefined) throw new Error(`${what}: at least one ARN is required.`);
  return more.length === 0 ? only : [only, ...more];
}

/**
 * Lets a role call exactly these routes with SigV4 (guests with `loginAuth: iam`, signed-in users
 * on their own routes): each `<stage execution ARN>/<METHOD>/<path>`.
 */
export function invokeRoutePolicy(routeArns: readonly string[]): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: "execute-api:Invoke",
        Resource: oneOrList(routeArns, "routeArns"),
      },
    ],
  };
}
