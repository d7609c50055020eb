/**
 * Finding resources of the stack from one another: a resource's id, the resource a property
 * refers to, and the IAM role or policy an ARN names. Used by the stack rules, which see every
 * resource at once (@pulumi/policy `StackValidationArgs.resources`).
 *
 * Ids: the engine hands stack rules each resource's outputs and the property dependencies that
 * produced its inputs; an offline plan has outputs but no dependencies, and a plan of inputs only
 * has neither. So links are found by dependency, then by id, then (ids unknown) by elimination.
 */
import type { PolicyResource } from "@pulumi/policy";
import { TYPES } from "./types";
import { known, raw } from "./util";

/** What a resource's provider id is when no `id` is recorded: a property, or a part of its ARN. */
const ID_SOURCES: Readonly<Record<string, { property: string; re?: RegExp }>> = {
  [TYPES.identityPool]: { property: "arn", re: /:identitypool\/([^/]+)$/ },
  [TYPES.api]: { property: "arn", re: /\/apis\/([^/]+)$/ },
  [TYPES.restApi]: { property: "arn", re: /\/restapis\/([^/]+)$/ },
  // A custom domain's id is its domain name, which is what mappings refer to.
  [TYPES.domainName]: { property: "domainName" },
  [TYPES.restDomainName]: { property: "domainName" },
};

/** The resource's provider id when it is known (never a preview placeholder). */
export function idOf(resource: Pick<PolicyResource, "type" | "props">): string | undefined {
  const props = raw(resource.props);
  const id = props["id"];
  if (known(id)) return id;
  const source = ID_SOURCES[resource.type];
  const value = source ? props[source.property] : undefined;
  if (!source || !known(value)) return undefined;
  return source.re ? source.re.exec(value)?.[1] : value;
}

/** The ids of `resources`, and whether every one of them is known (false during preview). */
export function idsOf(resources: readonly PolicyResource[]): { ids: Set<string>; all: boolean } {
  const ids = resources.map(idOf);
  return {
    ids: new Set(ids.filter((id): id is string => id !== undefined)),
    all: ids.every((id) => id !== undefined),
  };
}

/**
 * The candidate that `from`'s `property` refers to: by property dependency, by id, else the only
 * candidate when its id is not known to differ (the reference or the ids are unknown).
 */
export function referenced(
  from: PolicyResource,
  property: string,
  candidates: readonly PolicyResource[],
): PolicyResource | undefined {
  const dependency = (from.propertyDependencies?.[property] ?? []).find((d) =>
    candidates.some((c) => c.urn === d.urn),
  );
  if (dependency) return candidates.find((c) => c.urn === dependency.urn);
  const ref = raw(from.props)[property];
  if (known(ref)) {
    const byId = candidates.find((c) => idOf(c) === ref);
    if (byId) return byId;
  }
  const only = candidates.length === 1 ? candidates[0] : undefined;
  return only && idOf(only) === undefined ? only : undefined;
}

/**
 * The stack's IAM role or policy that `arn` names: by its `arn`, or by path and name when its ARN
 * is not recorded (`arn:<p>:iam::<account>:<kind><path><name>`, IAM User Guide, "IAM identifiers").
 */
export function iamResourceByArn(
  arn: string,
  kind: "role" | "policy",
  resources: readonly PolicyResource[],
): PolicyResource | undefined {
  const byArn = resources.find((r) => raw(r.props)["arn"] === arn);
  if (byArn) return byArn;
  return resources.find((r) => {
    const props = raw(r.props);
    if (known(props["arn"]) || !known(props["name"])) return false;
    const path = known(props["path"]) ? props["path"] : "/";
    return arn.endsWith(`:${kind}${path}${props["name"]}`);
  });
}
