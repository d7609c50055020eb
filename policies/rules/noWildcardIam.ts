/**
 * no-wildcard-iam: Allow statements name specific actions and specific resources.
 *
 * Why: least privilege (AWS IAM User Guide, "Security best practices in IAM": grant least
 * privilege; "Apply least-privilege permissions"). A Cognito role is assumed by every app user, so
 * any wildcard is granted to the whole internet's worth of identities. A resource that is not an
 * ARN, or an ARN with a wildcard in its partition, service, region, account or primary resource
 * name, matches resources the stack does not own (IAM User Guide, "IAM JSON policy elements:
 * Resource"; AWS General Reference, "Amazon Resource Names").
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { PARTITIONS, type PartitionId } from "../../core/partition";
import { POOL_CONDITION_OPERATORS } from "../../core/vocabulary";
import { kindOf, TYPES } from "./types";
import {
  ARN_ACCOUNT_RE,
  ARN_PARTITION_RE,
  ARN_REGION_RE,
  asList,
  asStrings,
  isAllow,
  isRecord,
  parsePolicyDocument,
  splitArn,
  statementLabel,
  WILDCARD_RE,
  type JsonObject,
} from "./util";

/**
 * Actions AWS offers no resource-level scoping for, so `Resource: "*"` is the only valid form
 * (AWS Service Authorization Reference, "Actions defined by AWS X-Ray": PutTraceSegments and
 * PutTelemetryRecords list no resource types). Keep this list minimal: every entry is an action
 * any identity with the role may call on the whole account.
 */
export const RESOURCE_STAR_ALLOWLIST: ReadonlySet<string> = new Set([
  "xray:puttracesegments",
  "xray:puttelemetryrecords",
]);

/**
 * Actions with no resource type that a condition key scopes instead (Service Authorization
 * Reference, "Actions defined by Amazon Cognito Identity": DeleteIdentities lists no resource type
 * and the `cognito-identity:IdentityPoolArn` key): `Resource: "*"` passes only when the statement
 * pins that key, with StringEquals or ArnEquals, to concrete ARNs; or with StringEqualsIfExists
 * (the stack's `accountDeletionPoolCondition: if-present`) to ARNs of a partition where AWS does
 * not document that Cognito sets the key (aws-cn: docs/aws-china.md, "Cognito").
 */
export const CONDITION_SCOPED_ACTIONS: ReadonlyMap<string, string> = new Map([
  ["cognito-identity:deleteidentities", "cognito-identity:identitypoolarn"],
]);

const IF_PRESENT = POOL_CONDITION_OPERATORS["if-present"];

/** Whether `arn` is of a partition where AWS does not document the pool condition key. */
function keyUndocumentedIn(arn: string): boolean {
  const partition = splitArn(arn)?.partition;
  if (partition === undefined || !Object.hasOwn(PARTITIONS, partition)) return false;
  return !PARTITIONS[partition as PartitionId].poolArnConditionKeyDocumented;
}

/** Whether every action of `statement` is condition-scoped and its condition pins the key. */
function scopedByCondition(statement: JsonObject, actions: readonly string[]): boolean {
  const condition = statement["Condition"];
  if (actions.length === 0 || !isRecord(condition)) return false;
  return actions.every((action) => {
    const key = CONDITION_SCOPED_ACTIONS.get(action.toLowerCase());
    if (key === undefined) return false;
    return ["StringEquals", "ArnEquals", IF_PRESENT].some((operator) => {
      const block = condition[operator];
      if (!isRecord(block)) return false;
      const entry = Object.entries(block).find(([k]) => k.toLowerCase() === key);
      const values = entry === undefined ? [] : asList(entry[1]);
      return (
        values.length > 0 &&
        values.every(
          (v) =>
            typeof v === "string" &&
            resourceProblem(v) === undefined &&
            (operator !== IF_PRESENT || keyUndocumentedIn(v)),
        )
      );
    });
  });
}

/**
 * The only places a wildcard may appear in an ARN's resource part: after a concrete primary
 * resource (a sub-resource, qualifier or object key of ONE resource). Each pattern matches the
 * whole resource part; `[^*?...]+` is the concrete primary name. Any other `*` / `?` in the
 * resource part is reported. Keep this list short; every entry is a documented ARN form.
 */
export const SUB_RESOURCE_WILDCARDS: readonly { service: string; form: string; re: RegExp }[] = [
  // Streams of one log group (CloudWatch Logs: `log-group:NAME:*` is the group and its streams).
  {
    service: "logs",
    form: "log-group:<name>:log-stream:*",
    re: /^log-group:[^*?:]+(:\*|:log-stream:.*)$/,
  },
  // Indexes / streams / backups / exports of one table (DynamoDB: `table/NAME/index/*`).
  { service: "dynamodb", form: "table/<name>/index/*", re: /^table\/[^*?/]+\/.+$/ },
  // Versions and aliases of one function (Lambda: `function:NAME:*`).
  { service: "lambda", form: "function:<name>:*", re: /^function:[^*?:]+:.+$/ },
  // Stages, methods and routes of one API (`<apiId>/*/POST/path`, `<apiId>/$default/*`).
  { service: "execute-api", form: "<apiId>/<stage>/<method>/<path>", re: /^[A-Za-z0-9]+\/.+$/ },
  // Secrets Manager's random 6-character name suffix: exactly `-??????`, nothing broader.
  { service: "secretsmanager", form: "secret:<name>-??????", re: /^secret:[^*?]+-\?{6}$/ },
  // Objects under one bucket (S3: `BUCKET/prefix/*`).
  { service: "s3", form: "<bucket>/<key>", re: /^[^*?/]+\/.+$/ },
];

/** Resource types whose IAM documents we read, and where the documents are. */
const DOCUMENT_TYPES: ReadonlySet<string> = new Set([
  TYPES.rolePolicy,
  TYPES.policy,
  TYPES.userPolicy,
  TYPES.groupPolicy,
]);

/**
 * What a wildcard action grants, or undefined for a scoped one: `*`, `*:*`, any wildcard in the
 * service prefix (`dynamo*:GetItem`), or a whole service (`dynamodb:*`). Partial action patterns
 * in one service (`dynamodb:Get*`) are allowed.
 */
function wildcardActionScope(action: string): string | undefined {
  if (action === "*") return "every action of every service";
  const colon = action.indexOf(":");
  const service = colon < 0 ? action : action.slice(0, colon);
  if (WILDCARD_RE.test(service)) return "actions of every service its prefix matches";
  if (/^[*?]*\*[*?]*$/.test(action.slice(colon + 1))) {
    return "every current and future action of the service";
  }
  return undefined;
}

/** `${...}` policy variables are concrete per request: read them as a literal name. */
function withoutPolicyVariables(resource: string): string {
  return resource.replace(/\$\{[^}]*\}/g, "VAR");
}

/** Why a Resource entry is too broad or not an ARN, or undefined when it names specific ARNs. */
function resourceProblem(resource: string): string | undefined {
  const parts = splitArn(withoutPolicyVariables(resource));
  if (!parts || parts.partition === "" || parts.service === "" || parts.resource === "") {
    return "which is not an ARN (arn:<partition>:<service>:<region>:<account>:<resource>)";
  }
  const wildFields = (["partition", "service", "region", "account"] as const).filter((f) =>
    WILDCARD_RE.test(parts[f]),
  );
  if (wildFields.length > 0) {
    return `whose ${wildFields.join(" / ")} ${wildFields.length > 1 ? "are wildcards" : "is a wildcard"}, matching every resource of the service there`;
  }
  if (
    !ARN_PARTITION_RE.test(parts.partition) ||
    !ARN_REGION_RE.test(parts.region) ||
    !ARN_ACCOUNT_RE.test(parts.account)
  ) {
    return "which is not an ARN (its partition, region or account field is malformed)";
  }
  if (parts.resource === "*") return "every resource of the service";
  if (!WILDCARD_RE.test(parts.resource)) return undefined;
  const allowed = SUB_RESOURCE_WILDCARDS.some(
    (a) => a.service === parts.service && a.re.test(parts.resource),
  );
  return allowed
    ? undefined
    : "which has a wildcard in place of the primary resource name, matching every such resource";
}

function checkStatement(
  statement: JsonObject,
  where: string,
  checkResources: boolean,
  reportViolation: (message: string) => void,
): void {
  if (!isAllow(statement)) return; // Deny statements with wildcards only ever narrow access.
  const actions = asStrings(statement["Action"]);

  for (const action of actions) {
    const scope = wildcardActionScope(action);
    if (scope === undefined) continue;
    reportViolation(
      `${where} allows Action '${action}', ${scope}; list the specific actions it needs.`,
    );
  }
  if (statement["NotAction"] !== undefined) {
    reportViolation(
      `${where} uses NotAction in an Allow statement, which allows every other action of every ` +
        `service; list the allowed actions in Action instead.`,
    );
  }

  if (!checkResources) return;
  if (statement["NotResource"] !== undefined) {
    reportViolation(
      `${where} uses NotResource in an Allow statement, which applies to every other resource; ` +
        `list the resource ARNs in Resource instead.`,
    );
  }
  const resources = asList(statement["Resource"]);
  if (resources.length === 0) {
    reportViolation(
      `${where} has no Resource, so what it allows is not scoped; set Resource to the ARNs it ` +
        `needs.`,
    );
  }
  const allAllowlisted =
    actions.length > 0 && actions.every((a) => RESOURCE_STAR_ALLOWLIST.has(a.toLowerCase()));
  for (const resource of resources) {
    if (typeof resource !== "string") {
      reportViolation(
        `${where} has Resource ${JSON.stringify(resource)}, which is not an ARN string; set ` +
          `Resource to ARN strings.`,
      );
      continue;
    }
    if (resource === "*" && (allAllowlisted || scopedByCondition(statement, actions))) continue;
    const problem =
      resource === "*" ? "every resource of every service" : resourceProblem(resource);
    if (problem === undefined) continue;
    reportViolation(
      `${where} allows ${JSON.stringify(actions)} on Resource '${resource}', ${problem}; scope ` +
        `Resource to the ARNs it needs, built from the partition, region, account and resource ` +
        `names (wildcards only after a concrete resource, e.g. ` +
        `${SUB_RESOURCE_WILDCARDS[0]?.form ?? "log-group:<name>:log-stream:*"}).`,
    );
  }
}

export const noWildcardIam: ResourceValidationPolicy = {
  name: "no-wildcard-iam",
  description: "IAM Allow statements must name specific actions and resource ARNs (no wildcards).",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const documents: { label: string; value: unknown; checkResources: boolean }[] = [];
    if (args.type === TYPES.role) {
      const role = `IAM role '${args.name}'`;
      // Trust policies have no Resource element: check actions only.
      documents.push({
        label: `${role} trust policy`,
        value: args.props["assumeRolePolicy"],
        checkResources: false,
      });
      asList(args.props["inlinePolicies"]).forEach((inline, i) => {
        if (!isRecord(inline)) return;
        const name = typeof inline["name"] === "string" ? inline["name"] : `#${i + 1}`;
        documents.push({
          label: `${role} inline policy '${name}'`,
          value: inline["policy"],
          checkResources: true,
        });
      });
    } else if (DOCUMENT_TYPES.has(args.type)) {
      const kind = kindOf(args.type);
      documents.push({
        label: `${kind} '${args.name}'`,
        value: args.props["policy"],
        checkResources: true,
      });
    } else {
      return;
    }

    for (const { label, value, checkResources } of documents) {
      const doc = parsePolicyDocument(value);
      if (doc.kind === "invalid") {
        reportViolation(
          `${label} ${doc.reason}, so it cannot be checked; fix the policy document.`,
        );
        continue;
      }
      if (doc.kind === "absent") continue;
      doc.statements.forEach((statement, index) => {
        checkStatement(
          statement,
          `${label} ${statementLabel(statement, index)}`,
          checkResources,
          reportViolation,
        );
      });
    }
  },
};
