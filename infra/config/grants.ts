/**
 * Schema of the `grants` setting: what the authenticated and the guest role may do, as grants of
 * infra/iam/grants.ts. Every name the app team gives is checked here, so each mistake is one line
 * naming its path; wildcards and partitions in raw statements are the policy pack's to check
 * (no-wildcard-iam, arn-partition), so raw statements face the same rules as the builders' output.
 */
import { z } from "zod";
import { ACCESS_LEVELS, type Grant } from "../iam/grants";
import { setting } from "./setting";

/** S3 bucket names: 3-63 of lower-case letters, digits, '.', '-', starting and ending alphanumeric. */
const BUCKET = /^(?!\d+\.\d+\.\d+\.\d+$)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** A concrete key prefix: no wildcard, no policy variable, no empty part, no leading/trailing `/`. */
const PREFIX = /^[^*?/${}\s]+(\/[^*?/${}\s]+)*$/;
/** DynamoDB table names: 3-255 of letters, digits, '_', '-', '.'. */
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
/** API Gateway API ids: 10 lower-case letters and digits. */
const API_ID = /^[a-z0-9]{10}$/;
/** Stage names: `$default` or letters, digits, '-', '_'. */
const STAGE = /^(\$default|[A-Za-z0-9_-]{1,128})$/;
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;
/** A concrete route path: `/` and segments without wildcards or path parameters. */
const API_PATH = /^\/([A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*)?$/;
/** `service:Action`, wildcards allowed (no-wildcard-iam judges them). */
const ACTION = /^[a-z0-9-]+:[A-Za-z0-9*?]+$/;

const text = (pattern: RegExp, what: string) =>
  z
    .string({
      error: (i) => (i.input === undefined ? `{key} is required: ${what}` : `must be ${what}`),
    })
    .regex(pattern, { message: `{key} {value} is not ${what}` });

const access = z.enum(ACCESS_LEVELS, {
  message: `must be ${ACCESS_LEVELS.map((a) => `'${a}'`).join(", ")}`,
});
// `z.ZodString`, not `z.ZodType<string>`: comparing the two walks zod's whole classic API in tsc.
const oneOrMany = (item: z.ZodString, what: string) =>
  z.union([item, z.array(item).min(1)], {
    error: (i) => (i.input === undefined ? `{key} is required: ${what}` : `must be ${what}`),
  });

const statement = z.strictObject({
  Sid: text(/^[A-Za-z0-9]{1,100}$/, "a Sid of letters and digits").optional(),
  Effect: z.enum(["Allow", "Deny"], { message: "must be 'Allow' or 'Deny'" }),
  Action: oneOrMany(
    text(ACTION, "an IAM action such as s3:GetObject"),
    "an IAM action or a list of them, e.g. s3:GetObject",
  ),
  Resource: oneOrMany(
    text(/^arn:\S+$/, "an ARN"),
    "an ARN or a list of ARNs, naming what the statement applies to",
  ),
  Condition: z
    .record(
      z.string(),
      z.record(z.string(), oneOrMany(z.string(), "a value or a list of values")),
      {
        message: "must be an IAM condition block { operator: { key: value(s) } }",
      },
    )
    .optional(),
});

const grant = z.discriminatedUnion(
  "type",
  [
    z.strictObject({
      type: z.literal("s3PerIdentity"),
      bucket: text(BUCKET, "an S3 bucket name (3-63 lower-case letters, digits, '.', '-')"),
      prefix: text(PREFIX, "a concrete key prefix such as users (no wildcards, no leading '/')"),
      access,
    }),
    z.strictObject({
      type: z.literal("s3SharedRead"),
      bucket: text(BUCKET, "an S3 bucket name (3-63 lower-case letters, digits, '.', '-')"),
      prefix: text(PREFIX, "a concrete key prefix such as public (no wildcards, no leading '/')"),
    }),
    z.strictObject({
      type: z.literal("dynamodbPerIdentity"),
      table: text(TABLE_NAME, "a DynamoDB table name (3-255 letters, digits, '_', '-', '.')"),
      access,
    }),
    z.strictObject({
      type: z.literal("apiInvoke"),
      apiId: text(API_ID, "an API Gateway API id (10 lower-case letters and digits)"),
      stage: text(STAGE, "a stage name such as prod or $default"),
      method: z
        .string({ message: "must be an HTTP method" })
        .transform((m) => m.toUpperCase())
        .pipe(z.enum(METHODS, { message: `must be one of ${METHODS.join(", ")}` })),
      path: text(API_PATH, "a concrete route path such as /orders (no wildcards or {parameters})"),
    }),
    z.strictObject({
      type: z.literal("statements"),
      statements: z.array(statement).min(1, { message: "must hold at least one statement" }),
    }),
  ],
  {
    error: () =>
      "{key} must be s3PerIdentity, s3SharedRead, dynamodbPerIdentity, apiInvoke or statements",
  },
);

/** `{ authenticated?, guest? }`, each a list of grants. */
export const grantsSchema: z.core.$ZodType<{ authenticated: Grant[]; guest: Grant[] }> =
  z.strictObject({
    authenticated: z.array(grant).default([]),
    guest: z.array(grant).default([]),
  });

const grantFix = (role: string) =>
  `list the grants under cognito-devauth:grants.${role} in Pulumi.<stack>.yaml, e.g. ` +
  "{ type: s3PerIdentity, bucket: myapp-user-files, prefix: users, access: read-write } " +
  "(docs/configuration.md, grants)";

/** The `grants` row of the config table (./table.ts). */
export const grants = setting({
  type: "object",
  default: { authenticated: [], guest: [] },
  description:
    "What app identities may do: { authenticated: [...], guest: [...] }, each a list of grants " +
    "with a type: s3PerIdentity { bucket, prefix, access } (objects under <prefix>/<IdentityId>/), " +
    "s3SharedRead { bucket, prefix }, dynamodbPerIdentity { table, access } (items whose " +
    "partition key is the IdentityId), apiInvoke { apiId, stage, method, path }, or statements " +
    "{ statements: [IAM statements] }; access is read, write or read-write. Guest grants need " +
    "allowGuests. Both roles also carry a permissions boundary that caps them at these grants. " +
    "Default: none (the roles can do nothing).",
  fix: grantFix("authenticated"),
  leaves: {
    authenticated: {
      type: "list",
      default: "[]",
      description: "Grants of signed-in (WeChat) identities.",
      fix: grantFix("authenticated"),
    },
    guest: {
      type: "list",
      default: "[]",
      description:
        "Grants of guest identities (allowGuests true). In the enhanced flow AWS's guest " +
        "session policy removes most actions (docs/cognito.md).",
      fix: grantFix("guest"),
    },
  },
  schema: grantsSchema,
});
