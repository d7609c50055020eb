/**
 * no-wildcard-iam: no `*` / `service:*` actions and no `Resource: "*"` in Allow statements.
 *
 * Why: least privilege (AWS IAM User Guide, "Security best practices in IAM": grant least
 * privilege; "Apply least-privilege permissions"). A Cognito role is assumed by every app user, so
 * any wildcard is granted to the whole internet's worth of identities.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { ROLE_TYPE } from "./cognitoTrust";
import {
  asList,
  asStrings,
  isAllow,
  isRecord,
  parsePolicyDocument,
  statementLabel,
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

/** Resource types whose IAM documents we read, and where the documents are. */
const DOCUMENT_TYPES: ReadonlySet<string> = new Set([
  "aws:iam/rolePolicy:RolePolicy",
  "aws:iam/policy:Policy",
  "aws:iam/userPolicy:UserPolicy",
  "aws:iam/groupPolicy:GroupPolicy",
]);

/** `*`, or a whole service (`dynamodb:*`). Partial patterns like `dynamodb:Get*` are allowed. */
function isWildcardAction(action: string): boolean {
  return action === "*" || /^[a-z0-9-]+:\*$/i.test(action);
}

/**
 * A resource that means "everything": `*`, or an ARN whose service or whole resource part is a
 * wildcard (`arn:<p>:dynamodb:*:*:*`, `arn:<p>:*:...`), i.e. every resource of a service.
 * Decision: `arn:<p>:dynamodb:<r>:<acct>:table/*` (every table) is not flagged here; it is scoped
 * to a resource type in one account and region.
 */
function isWildcardResource(resource: string): boolean {
  if (resource === "*") return true;
  const parts = resource.split(":");
  if (parts[0] !== "arn" || parts.length < 6) return false;
  const service = parts[2];
  const resourcePart = parts.slice(5).join(":");
  return service === "*" || resourcePart === "*";
}

function checkStatement(
  statement: JsonObject,
  where: string,
  checkResources: boolean,
  reportViolation: (message: string) => void,
): void {
  if (!isAllow(statement)) return; // Deny statements with wildcards only ever narrow access.
  const actions = asStrings(statement["Action"]);

  for (const action of actions.filter(isWildcardAction)) {
    reportViolation(
      `${where} allows Action '${action}', every current and future action of ` +
        `${action === "*" ? "every service" : "the service"}. List the specific actions it needs.`,
    );
  }
  if (statement["NotAction"] !== undefined) {
    reportViolation(
      `${where} uses NotAction in an Allow statement, which allows every other action of every ` +
        `service. List the allowed actions in Action instead.`,
    );
  }

  if (!checkResources) return;
  const allAllowlisted =
    actions.length > 0 && actions.every((a) => RESOURCE_STAR_ALLOWLIST.has(a.toLowerCase()));
  if (statement["NotResource"] !== undefined) {
    reportViolation(
      `${where} uses NotResource in an Allow statement, which applies to every other resource. ` +
        `List the resource ARNs in Resource instead.`,
    );
  }
  const resources = asList(statement["Resource"]).filter((r): r is string => typeof r === "string");
  for (const resource of resources.filter(isWildcardResource)) {
    if (resource === "*" && allAllowlisted) continue;
    reportViolation(
      `${where} allows ${JSON.stringify(actions)} on Resource '${resource}', every resource of ` +
        `the service. Scope Resource to the ARNs it needs (build them from the partition, region ` +
        `and account).`,
    );
  }
}

export const noWildcardIam: ResourceValidationPolicy = {
  name: "no-wildcard-iam",
  description: "IAM Allow statements must name specific actions and resources (no '*').",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const documents: { label: string; value: unknown; checkResources: boolean }[] = [];
    if (args.type === ROLE_TYPE) {
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
      const kind = args.type.split(":").pop() ?? args.type;
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
          `${label} ${doc.reason}, so it cannot be checked. Fix the policy document.`,
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
