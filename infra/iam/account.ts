/**
 * IAM documents of the account-deletion route (functions/account): pure functions. The function
 * calls LookupDeveloperIdentity, UnlinkDeveloperIdentity and DeleteIdentities on the pool, Query
 * on the `byIdentityId` index and DeleteItem on the table; nothing else.
 */
import type { PolicyDocument } from "./document";
import { writeOwnLogs } from "./login";

export interface AccountFunctionPolicyArgs {
  /** ARN of the function's log group (no `:*`). */
  logGroupArn: string;
  tableArn: string;
  /** `<table ARN>/index/byIdentityId`. */
  identityIndexArn: string;
  identityPoolArn: string;
}

/** The Cognito actions account deletion needs (also what the operator command calls). */
export const ACCOUNT_DELETION_COGNITO_ACTIONS = [
  "cognito-identity:LookupDeveloperIdentity",
  "cognito-identity:UnlinkDeveloperIdentity",
  "cognito-identity:DeleteIdentities",
] as const;

export function accountFunctionPolicy(args: AccountFunctionPolicyArgs): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      writeOwnLogs(args.logGroupArn),
      {
        Sid: "FindRowsOfIdentity",
        Effect: "Allow",
        Action: "dynamodb:Query",
        Resource: args.identityIndexArn,
      },
      {
        Sid: "DeleteRowsOfIdentity",
        Effect: "Allow",
        Action: "dynamodb:DeleteItem",
        Resource: args.tableArn,
      },
      {
        Sid: "DeleteDeveloperIdentity",
        Effect: "Allow",
        Action: [...ACCOUNT_DELETION_COGNITO_ACTIONS],
        Resource: args.identityPoolArn,
      },
    ],
  };
}
