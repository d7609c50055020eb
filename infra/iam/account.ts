/**
 * IAM documents of the account-deletion route (functions/account): pure functions. The function
 * calls LookupDeveloperIdentity, UnlinkDeveloperIdentity and DeleteIdentities on the pool, Query
 * on the `byIdentityId` index and DeleteItem on the table; nothing else.
 *
 * DeleteIdentities has no resource type (its request names no pool), so IAM authorizes it on `*`
 * only, scoped to the pool by the `cognito-identity:IdentityPoolArn` condition key; a statement
 * naming the pool ARN never matches it (docs/cognito.md, "IAM of the functions' calls").
 */
import { POOL_CONDITION_OPERATORS, type PoolCondition } from "../../core/vocabulary";
import type { PolicyDocument, PolicyStatement } from "./document";
import { writeOwnLogs } from "./login";

export interface AccountFunctionPolicyArgs {
  /** ARN of the function's log group (no `:*`). */
  logGroupArn: string;
  tableArn: string;
  /** `<table ARN>/index/byIdentityId`. */
  identityIndexArn: string;
  identityPoolArn: string;
  /** How the DeleteIdentities grant names the pool; default `pinned` (core/vocabulary.ts). */
  poolCondition?: PoolCondition;
}

/** The Cognito actions account deletion needs on the pool's ARN. */
export const ACCOUNT_DELETION_POOL_ACTIONS = [
  "cognito-identity:LookupDeveloperIdentity",
  "cognito-identity:UnlinkDeveloperIdentity",
] as const;

/**
 * The statement that lets a role delete identities of exactly one pool: `pinned` by the pool's
 * condition key, or with `if-present` wherever the request carries it (aws-cn, where that Cognito
 * sets the key is unverified: docs/aws-china.md, "Cognito").
 */
export function deleteIdentitiesOfPool(
  identityPoolArn: string,
  poolCondition: PoolCondition = "pinned",
): PolicyStatement {
  return {
    Sid: "DeleteIdentitiesOfPool",
    Effect: "Allow",
    Action: "cognito-identity:DeleteIdentities",
    Resource: "*",
    Condition: {
      [POOL_CONDITION_OPERATORS[poolCondition]]: {
        "cognito-identity:IdentityPoolArn": identityPoolArn,
      },
    },
  };
}

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
        Action: [...ACCOUNT_DELETION_POOL_ACTIONS],
        Resource: args.identityPoolArn,
      },
      deleteIdentitiesOfPool(args.identityPoolArn, args.poolCondition),
    ],
  };
}
