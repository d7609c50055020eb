/**
 * per-identity-grants: a statement that says it is per identity (Sid starting `S3PerIdentity` or
 * `DynamodbPerIdentity`, as infra/iam/grants.ts names them) must actually be scoped to the
 * caller's identity with the `${<Cognito key prefix>:sub}` policy variable: in every object
 * Resource for S3 objects, in every `s3:prefix` value for ListBucket, in `dynamodb:LeadingKeys`
 * (ForAllValues:StringEquals) for DynamoDB.
 *
 * Why: a grant named "per identity" that is bucket- or table-wide gives every user every other
 * user's data while reviewers read the name (IAM User Guide, example policies "Amazon S3: allows
 * Amazon Cognito users to access objects in their bucket" and "Amazon DynamoDB: allows access to
 * specific items"; README, "Give your app permissions").
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { COGNITO_TRUST_FAMILIES } from "../../core/partition";
import { TYPES } from "./types";
import {
  asList,
  asStrings,
  isRecord,
  parsePolicyDocument,
  statementLabel,
  type JsonObject,
} from "./util";

const VARIABLES = COGNITO_TRUST_FAMILIES.flatMap((f) => f.keyPrefixes).map(
  (prefix) => "${" + `${prefix}:sub` + "}",
);
const hasIdentity = (value: string) => VARIABLES.some((v) => value.includes(v));
const EXAMPLE = VARIABLES[0] ?? "";

/** Values of condition key `key` (case-insensitive) under operators matching `operator`. */
function conditionValues(statement: JsonObject, key: string, operator?: string): string[] {
  const condition = statement["Condition"];
  if (!isRecord(condition)) return [];
  return Object.entries(condition).flatMap(([op, block]) =>
    (operator === undefined || op === operator) && isRecord(block)
      ? Object.entries(block)
          .filter(([k]) => k.toLowerCase() === key.toLowerCase())
          .flatMap(([, v]) => asStrings(v))
      : [],
  );
}

/** What is wrong with one per-identity statement, or undefined. */
function problem(statement: JsonObject): string | undefined {
  const sid = String(statement["Sid"]).toLowerCase();
  if (statement["NotResource"] !== undefined || statement["NotAction"] !== undefined) {
    return "uses NotResource/NotAction, which cannot be scoped to one identity";
  }
  if (sid.startsWith("dynamodbperidentity")) {
    const keys = conditionValues(statement, "dynamodb:LeadingKeys", "ForAllValues:StringEquals");
    return keys.length > 0 && keys.every(hasIdentity)
      ? undefined
      : `has no ForAllValues:StringEquals dynamodb:LeadingKeys = ${EXAMPLE} condition, so it reaches every item of the table`;
  }
  const actions = asStrings(statement["Action"]).map((a) => a.toLowerCase());
  if (actions.length > 0 && actions.every((a) => a === "s3:listbucket")) {
    const prefixes = conditionValues(statement, "s3:prefix");
    return prefixes.length > 0 && prefixes.every(hasIdentity)
      ? undefined
      : `lists the bucket without an s3:prefix condition naming ${EXAMPLE}, so it lists every identity's objects`;
  }
  const resources = asStrings(statement["Resource"]);
  const open = resources.filter((r) => !hasIdentity(r));
  return resources.length > 0 && open.length === 0
    ? undefined
    : `reaches ${open.length > 0 ? open.join(", ") : "no named resource"} without ${EXAMPLE} in the key, so every identity reaches every other identity's objects`;
}

function documents(type: string, props: Record<string, unknown>): unknown[] {
  if (type === TYPES.role) {
    return asList(props["inlinePolicies"]).map((p) => (isRecord(p) ? p["policy"] : undefined));
  }
  return [TYPES.rolePolicy, TYPES.policy].includes(type as never) ? [props["policy"]] : [];
}

export const perIdentityGrants: ResourceValidationPolicy = {
  name: "per-identity-grants",
  description:
    "Statements named per identity (Sid S3PerIdentity*, DynamodbPerIdentity*) must be scoped to the caller's identity variable.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    for (const policy of documents(args.type, args.props)) {
      const doc = parsePolicyDocument(policy);
      if (doc.kind !== "document") continue;
      doc.statements.forEach((statement, i) => {
        const sid = statement["Sid"];
        if (typeof sid !== "string" || !/^(s3|dynamodb)peridentity/i.test(sid)) return;
        const found = problem(statement);
        if (found === undefined) return;
        reportViolation(
          `${args.type.split(":").pop()} '${args.name}' ${statementLabel(statement, i)} is a ` +
            `per-identity grant but ${found}. Scope it to ${EXAMPLE} (grants: s3PerIdentity / ` +
            `dynamodbPerIdentity build it), or rename it if it is meant to be shared.`,
        );
      });
    }
  },
};
