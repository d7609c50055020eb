/**
 * App permissions declared in the stack file (`grants`), turned into IAM statements. Pure: the
 * only inputs are the grants and where the stack deploys; every ARN comes from core/partition, and
 * the identity variable uses the stack's Cognito condition-key prefix.
 *
 * Per-identity grants follow the AWS patterns "Amazon S3: allows Amazon Cognito users to access
 * objects in their bucket" and "Amazon DynamoDB: allows access to specific items"
 * (`dynamodb:LeadingKeys`), IAM User Guide, example policies.
 */
import {
  ACCESS_LEVELS,
  type Access,
  type StorageGrant,
  type TableGrant,
} from "../../core/appConfig";
import { arns, identityVariable, s3Arn, type DeployTarget } from "../../core/partition";
import type { PolicyDocument, PolicyStatement } from "./document";

export { ACCESS_LEVELS, type Access };

/** Objects under `<prefix>/<IdentityId>/` of `bucket`: each identity its own folder. */
export interface S3PerIdentityGrant {
  readonly type: "s3PerIdentity";
  readonly bucket: string;
  /** Key prefix without leading or trailing `/`, e.g. `users`. */
  readonly prefix: string;
  readonly access: Access;
}

/** Objects under `<prefix>/` of `bucket`, read-only, for every identity of the role. */
export interface S3SharedReadGrant {
  readonly type: "s3SharedRead";
  readonly bucket: string;
  readonly prefix: string;
}

/** Items of `table` whose partition key is the caller's IdentityId. */
export interface DynamoDbPerIdentityGrant {
  readonly type: "dynamodbPerIdentity";
  /** Table name, in the stack's region and account. */
  readonly table: string;
  readonly access: Access;
}

/** Calling one route of the app's own IAM-authorized API. */
export interface ApiInvokeGrant {
  readonly type: "apiInvoke";
  readonly apiId: string;
  readonly stage: string;
  readonly method: string;
  /** Route path, starting with `/`, e.g. `/orders`. */
  readonly path: string;
}

/** Raw statements: the escape hatch, held to the same policy-pack rules as everything else. */
export interface StatementsGrant {
  readonly type: "statements";
  readonly statements: readonly PolicyStatement[];
}

export type Grant =
  | S3PerIdentityGrant
  | S3SharedReadGrant
  | DynamoDbPerIdentityGrant
  | ApiInvokeGrant
  | StatementsGrant;

/** The grant types that must scope every statement to the caller's identity. */
export const PER_IDENTITY_GRANT_TYPES: ReadonlySet<Grant["type"]> = new Set([
  "s3PerIdentity",
  "dynamodbPerIdentity",
]);

const S3_ACTIONS: Record<Access, string[]> = {
  read: ["s3:GetObject"],
  write: ["s3:PutObject", "s3:DeleteObject"],
  "read-write": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
};

const DYNAMODB_ACTIONS: Record<Access, string[]> = {
  read: ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"],
  write: [
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
  ],
  "read-write": [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
  ],
};

/** A key prefix must be concrete: no wildcard, no empty segment, no leading or trailing `/`. */
function checkPrefix(prefix: string): void {
  if (!/^[^*?/]+(\/[^*?/]+)*$/.test(prefix)) {
    throw new Error(`'${prefix}' is not a concrete S3 key prefix (no wildcards, no empty parts).`);
  }
}

const sidOf = (g: Grant, i: number) =>
  `${g.type.charAt(0).toUpperCase()}${g.type.slice(1)}${i}`.replace(/[^A-Za-z0-9]/g, "");

/** The statements one grant becomes. `index` makes Sids unique within a role's policy. */
export function grantStatements(grant: Grant, t: DeployTarget, index: number): PolicyStatement[] {
  const sid = sidOf(grant, index);
  switch (grant.type) {
    case "s3PerIdentity": {
      checkPrefix(grant.prefix);
      const own = `${grant.prefix}/${identityVariable(t)}`;
      const statements: PolicyStatement[] = [
        {
          Sid: `${sid}Objects`,
          Effect: "Allow",
          Action: S3_ACTIONS[grant.access],
          Resource: s3Arn(t, grant.bucket, `${own}/*`),
        },
      ];
      if (grant.access !== "write") {
        statements.push({
          Sid: `${sid}List`,
          Effect: "Allow",
          Action: "s3:ListBucket",
          Resource: s3Arn(t, grant.bucket),
          Condition: { StringLike: { "s3:prefix": [`${own}/`, `${own}/*`] } },
        });
      }
      return statements;
    }
    case "s3SharedRead":
      checkPrefix(grant.prefix);
      return [
        {
          Sid: `${sid}Objects`,
          Effect: "Allow",
          Action: "s3:GetObject",
          Resource: s3Arn(t, grant.bucket, `${grant.prefix}/*`),
        },
        {
          Sid: `${sid}List`,
          Effect: "Allow",
          Action: "s3:ListBucket",
          Resource: s3Arn(t, grant.bucket),
          Condition: { StringLike: { "s3:prefix": [`${grant.prefix}/`, `${grant.prefix}/*`] } },
        },
      ];
    case "dynamodbPerIdentity":
      return [
        {
          Sid: sid,
          Effect: "Allow",
          Action: DYNAMODB_ACTIONS[grant.access],
          Resource: arns.table(t, grant.table),
          Condition: {
            "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": [identityVariable(t)] },
          },
        },
      ];
    case "apiInvoke":
      return [
        {
          Sid: sid,
          Effect: "Allow",
          Action: "execute-api:Invoke",
          Resource: arns.executeApi(
            t,
            grant.apiId,
            grant.stage,
            grant.method.toUpperCase(),
            grant.path,
          ),
        },
      ];
    case "statements":
      // Every statement gets a Sid, so the plan can show which grant it came from.
      return grant.statements.map((s, j) => ({ Sid: `${sid}N${j}`, ...s }));
  }
}

/** The role policy of a list of grants, or undefined when there are none. */
export function grantsPolicy(
  grants: readonly Grant[],
  t: DeployTarget,
): PolicyDocument | undefined {
  const statements = grants.flatMap((g, i) => grantStatements(g, t, i));
  return statements.length === 0 ? undefined : { Version: "2012-10-17", Statement: statements };
}

/** One line per grant for plans and reviews, e.g. `s3PerIdentity read-write s3://b/users/<id>/`. */
export function describeGrant(grant: Grant): string {
  switch (grant.type) {
    case "s3PerIdentity":
      return `${grant.access} s3://${grant.bucket}/${grant.prefix}/<IdentityId>/ (each identity its own)`;
    case "s3SharedRead":
      return `read s3://${grant.bucket}/${grant.prefix}/ (shared)`;
    case "dynamodbPerIdentity":
      return `${grant.access} items of table ${grant.table} whose partition key is the IdentityId`;
    case "apiInvoke":
      return `invoke ${grant.method.toUpperCase()} ${grant.path} on API ${grant.apiId} stage ${grant.stage}`;
    case "statements":
      return `${grant.statements.length} raw statement(s)`;
  }
}

/** What the app config tells clients (core/appConfig.ts). */
export type StorageGrantSummary = StorageGrant;
export type TableGrantSummary = TableGrant;

export interface GrantsSummary {
  /** Per role: each grant's one-line description and the Sids of the statements it becomes. */
  readonly authenticated: readonly { grant: string; sids: string[] }[];
  readonly guest: readonly { grant: string; sids: string[] }[];
  readonly storage: readonly StorageGrantSummary[];
  readonly tables: readonly TableGrantSummary[];
}

/** The `grants` stack output: what the plan prints and the app config tells clients. */
export function summarizeGrants(
  grants: { authenticated: readonly Grant[]; guest: readonly Grant[] },
  t: DeployTarget,
): GrantsSummary {
  const roles = ["authenticated", "guest"] as const;
  const lines = (role: (typeof roles)[number]) =>
    grants[role].map((g, i) => ({
      grant: describeGrant(g),
      sids: grantStatements(g, t, i).flatMap((st) => (st.Sid ? [st.Sid] : [])),
    }));
  return {
    authenticated: lines("authenticated"),
    guest: lines("guest"),
    storage: roles.flatMap((role) =>
      grants[role].flatMap((g): StorageGrantSummary[] =>
        g.type === "s3PerIdentity"
          ? [{ role, bucket: g.bucket, prefix: g.prefix, access: g.access, perIdentity: true }]
          : g.type === "s3SharedRead"
            ? [{ role, bucket: g.bucket, prefix: g.prefix, access: "read", perIdentity: false }]
            : [],
      ),
    ),
    tables: roles.flatMap((role) =>
      grants[role].flatMap((g): TableGrantSummary[] =>
        g.type === "dynamodbPerIdentity" ? [{ role, table: g.table, access: g.access }] : [],
      ),
    ),
  };
}
