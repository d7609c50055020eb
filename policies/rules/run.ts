/**
 * runPolicies: run every rule over a plan's resources without the Pulumi CLI.
 *
 * This is the single place that adapts plan resources to @pulumi/policy's
 * `ResourceValidationArgs` / `StackValidationArgs` (node_modules/@pulumi/policy/policy.d.ts,
 * built the way server.js builds them for the engine). An offline plan script calls it; the
 * policy pack (policies/index.ts) does not.
 */
import type {
  PolicyResource,
  PolicyResourceOptions,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { allRules, type Rule } from "./index";

/** A resource as an offline plan records it. */
export interface PlanResource {
  type: string;
  name: string;
  urn: string;
  props: Record<string, unknown>;
  opts: { protect?: boolean; retainOnDelete?: boolean; parent?: string };
  provider?: { type: string; name: string; props: Record<string, unknown> };
}

export interface Violation {
  /** Rule name, e.g. "cognito-trust-policy". */
  policy: string;
  /** The offending resource; absent for a stack-wide violation. */
  resourceUrn?: string;
  message: string;
}

export interface RunOptions {
  /** Per-rule config (what `getConfig()` returns), keyed by rule name. */
  config?: Record<string, object>;
  /** Rules to run; defaults to `allRules`. */
  rules?: readonly Rule[];
}

class NotApplicable extends Error {}

function isResourcePolicy(rule: Rule): rule is ResourceValidationPolicy {
  return "validateResource" in rule || !("validateStack" in rule);
}

function isStackPolicy(rule: Rule): rule is StackValidationPolicy {
  return "validateStack" in rule;
}

/**
 * The engine's options, plus `retainOnDelete`: the analyzer protocol does not send it, so
 * @pulumi/policy's type lacks it; the plan records it, and identity-resources-protected reads it
 * through `retainOnDeleteOf` (./util.ts). Always a boolean here: offline, it is always known.
 */
export type OfflineResourceOptions = PolicyResourceOptions & { retainOnDelete: boolean };

function options(r: PlanResource): OfflineResourceOptions {
  const opts: OfflineResourceOptions = {
    protect: r.opts.protect === true,
    retainOnDelete: r.opts.retainOnDelete === true,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
  };
  if (r.opts.parent !== undefined) opts.parent = r.opts.parent;
  return opts;
}

function provider(r: PlanResource): ResourceValidationArgs["provider"] {
  if (!r.provider) return undefined;
  return {
    type: r.provider.type,
    name: r.provider.name,
    props: r.provider.props,
    // Plans record the provider without its URN; build the one the engine would use.
    urn: `${r.urn.split("::").slice(0, 2).join("::")}::${r.provider.type}::${r.provider.name}`,
  };
}

/** Same test as @pulumi/policy: the class's `__pulumiType` equals the resource type. */
function isTypeOf(type: string, resourceClass: unknown): boolean {
  return (resourceClass as { __pulumiType?: unknown } | undefined)?.__pulumiType === type;
}

function notApplicable(): never {
  throw new NotApplicable();
}

function assertSync(result: unknown, rule: string): void {
  if (result instanceof Promise) {
    throw new Error(`policy '${rule}' is asynchronous; runPolicies only runs synchronous rules`);
  }
}

const NO_TAGS: ReadonlyMap<string, string> = new Map();

/**
 * Runs every resource rule's `validateResource` on every resource and every stack rule's
 * `validateStack` on the whole set, returning all violations (resource rules first, in resource
 * order). A rule that throws is reported as a violation of that rule, never swallowed.
 */
export function runPolicies(resources: PlanResource[], runOptions: RunOptions = {}): Violation[] {
  const rules = runOptions.rules ?? allRules;
  const getConfigFor = (name: string) =>
    function getConfig<T extends object>(): T {
      return (runOptions.config?.[name] ?? {}) as T;
    };
  const violations: Violation[] = [];

  for (const rule of rules.filter(isResourcePolicy)) {
    const validations = rule.validateResource === undefined ? [] : [rule.validateResource].flat();
    for (const r of resources) {
      const report: ReportViolation = (message) => {
        violations.push({ policy: rule.name, resourceUrn: r.urn, message });
      };
      // `asType` must return the typed args of the class it is given; props are the untyped inputs.
      const asType = ((resourceClass: unknown) =>
        isTypeOf(r.type, resourceClass) ? r.props : undefined) as ResourceValidationArgs["asType"];
      const args: ResourceValidationArgs = {
        type: r.type,
        name: r.name,
        urn: r.urn,
        props: r.props,
        opts: options(r),
        stackTags: NO_TAGS,
        isType: (resourceClass) => isTypeOf(r.type, resourceClass),
        asType,
        getConfig: getConfigFor(rule.name),
        notApplicable,
      };
      const prov = provider(r);
      if (prov) args.provider = prov;
      for (const validate of validations) {
        try {
          assertSync(validate(args, report), rule.name);
        } catch (e) {
          if (e instanceof NotApplicable) continue;
          report(`policy crashed on ${r.type} '${r.name}': ${(e as Error).message}`);
        }
      }
    }
  }

  const stackResources: PolicyResource[] = resources.map((r) => {
    const resource: PolicyResource = {
      type: r.type,
      name: r.name,
      urn: r.urn,
      props: r.props,
      opts: options(r),
      dependencies: [],
      propertyDependencies: {},
      isType: (resourceClass) => isTypeOf(r.type, resourceClass),
      // `asType` returns the resolved resource for the class; a plan only has its props.
      asType: ((resourceClass: unknown) =>
        isTypeOf(r.type, resourceClass) ? r.props : undefined) as PolicyResource["asType"],
    };
    const prov = provider(r);
    if (prov) resource.provider = prov;
    return resource;
  });
  const byUrn = new Map(stackResources.map((r) => [r.urn, r]));
  resources.forEach((r, i) => {
    const parent = r.opts.parent === undefined ? undefined : byUrn.get(r.opts.parent);
    const resource = stackResources[i];
    if (parent && resource) resource.parent = parent;
  });

  for (const rule of rules.filter(isStackPolicy)) {
    const args: StackValidationArgs = {
      resources: stackResources,
      stackTags: NO_TAGS,
      getConfig: getConfigFor(rule.name),
      notApplicable,
    };
    const report: ReportViolation = (message, urn) => {
      violations.push(
        urn === undefined
          ? { policy: rule.name, message }
          : { policy: rule.name, resourceUrn: urn, message },
      );
    };
    try {
      assertSync(rule.validateStack(args, report), rule.name);
    } catch (e) {
      if (e instanceof NotApplicable) continue;
      report(`policy crashed: ${(e as Error).message}`);
    }
  }
  return violations;
}
