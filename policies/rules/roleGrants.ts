/**
 * What a role is granted, as the pack can see it: its inline policies (`aws.iam.RolePolicy`,
 * `inlinePolicies`) and the stack's `aws.iam.Policy` documents attached to it; plus IAM's
 * wildcard matching, to tell whether a statement reaches an action on a resource. Used by the
 * rules about Cognito roles.
 */
import type { PolicyResource } from "@pulumi/policy";
import { cognitoPinsOf } from "./cognitoTrust";
import { iamResourceByArn } from "./stack";
import { TYPES } from "./types";
import { asList, asStrings, isAllow, isRecord, known, parsePolicyDocument, raw } from "./util";
import type { JsonObject } from "./util";

export interface GrantedDocument {
  /** Where the document comes from, for messages: `RolePolicy 'x'`, `inline policy 'y'`. */
  readonly source: string;
  readonly urn: string;
  readonly statements: JsonObject[];
}

/** Whether `ref` (a role property of a policy or attachment) names `role`. */
function namesRole(from: PolicyResource, ref: unknown, role: PolicyResource): boolean {
  if ((from.propertyDependencies?.["role"] ?? []).some((d) => d.urn === role.urn)) return true;
  const props = raw(role.props);
  if (!known(ref)) return false;
  if (ref === props["name"] || ref === props["id"] || ref === props["arn"]) return true;
  // A role known only by its ARN: `...:role/<path><name>` ends in the name a policy uses.
  const arn = props["arn"];
  return known(arn) && !ref.includes("/") && arn.endsWith(`/${ref}`);
}

function documentOf(source: string, urn: string, policy: unknown): GrantedDocument[] {
  const doc = parsePolicyDocument(policy);
  return doc.kind === "document" ? [{ source, urn, statements: doc.statements }] : [];
}

/** Every document granting `role` permissions that the stack defines. */
export function documentsOfRole(
  role: PolicyResource,
  resources: readonly PolicyResource[],
): GrantedDocument[] {
  const out: GrantedDocument[] = [];
  asList(raw(role.props)["inlinePolicies"]).forEach((p, i) => {
    if (!isRecord(p)) return;
    const name = typeof p["name"] === "string" ? p["name"] : `#${i + 1}`;
    out.push(...documentOf(`inline policy '${name}'`, role.urn, p["policy"]));
  });
  const policies = resources.filter((r) => r.type === TYPES.policy);
  for (const r of resources) {
    const props = raw(r.props);
    if (r.type === TYPES.rolePolicy && namesRole(r, props["role"], role)) {
      out.push(...documentOf(`RolePolicy '${r.name}'`, r.urn, props["policy"]));
    } else if (r.type === TYPES.rolePolicyAttachment && namesRole(r, props["role"], role)) {
      const arn = props["policyArn"];
      const policy = known(arn) ? iamResourceByArn(arn, "policy", policies) : undefined;
      if (policy) {
        out.push(...documentOf(`Policy '${policy.name}'`, policy.urn, raw(policy.props)["policy"]));
      }
    }
  }
  return out;
}

/** The stack's roles that Cognito identities assume, with the kinds of identity they admit. */
export function cognitoRoles(
  resources: readonly PolicyResource[],
): { role: PolicyResource; kinds: Set<string> }[] {
  return resources.flatMap((role) => {
    if (role.type !== TYPES.role) return [];
    const pins = cognitoPinsOf(raw(role.props)["assumeRolePolicy"]);
    return pins.length === 0 ? [] : [{ role, kinds: new Set(pins.flatMap((p) => p.amr)) }];
  });
}

/** IAM wildcard match: `*` any run of characters, `?` one character. */
export function globMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\/]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    ignoreCase ? "is" : "s",
  );
  return re.test(value);
}

/** Whether an Allow statement reaches `action` (IAM actions are case-insensitive). */
export function allowsAction(statement: JsonObject, action: string): boolean {
  if (!isAllow(statement)) return false;
  if (statement["NotAction"] !== undefined) {
    return !asStrings(statement["NotAction"]).some((p) => globMatch(p, action, true));
  }
  return asStrings(statement["Action"]).some((p) => globMatch(p, action, true));
}

/** Whether an Allow statement reaches `arn` (a resource of the stack, or one under it). */
export function allowsResource(statement: JsonObject, arn: string): boolean {
  if (!isAllow(statement)) return false;
  if (statement["NotResource"] !== undefined) {
    return !asStrings(statement["NotResource"]).some((p) => globMatch(p, arn));
  }
  // A pattern reaches the resource when it matches the ARN, or the ARN matches the pattern
  // (the stack's secret ARN patterns end in `-??????`).
  return asStrings(statement["Resource"]).some((p) => globMatch(p, arn) || globMatch(arn, p));
}
