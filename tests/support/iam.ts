/**
 * A small IAM policy evaluator for tests: identity policies (and a permissions boundary) against
 * one request (action, resource ARN, condition context), as the IAM User Guide's "Policy
 * evaluation logic" describes it for one account: an explicit Deny anywhere wins; otherwise an
 * Allow in the identity policies is needed, and, with a boundary, an Allow in the boundary too.
 *
 * Matching: `Action`/`NotAction` case-insensitively, `Resource`/`NotResource` case-sensitively,
 * `*` and `?` wildcards (the policy pack's `globMatch`). Conditions: the String*, Arn*, Bool and
 * Null operators, `...IfExists`, and the `ForAllValues:` / `ForAnyValue:` set prefixes. A
 * condition key the request context does not carry, or an operator this evaluator does not know,
 * throws: a statement's conditions are never guessed (a test must model the key it relies on).
 * Policy variables (`${...}`) are not substituted: a resource or value that holds one throws.
 */
import { globMatch } from "../../policies/rules/roleGrants";

export interface Statement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Readonly<
    Record<string, Readonly<Record<string, string | readonly string[]>>>
  >;
}

export interface Document {
  readonly Statement: readonly Statement[] | Statement;
}

/** One authorization IAM makes: `service:Operation` on a resource, with the request's keys. */
export interface AuthorizationRequest {
  readonly action: string;
  /** The resource ARN IAM authorizes, or `*` for an action with no resource types. */
  readonly resource: string;
  /** Condition keys (lower-case names are matched case-insensitively, as IAM does). */
  readonly context: Readonly<Record<string, string | readonly string[]>>;
}

export interface Decision {
  readonly allowed: boolean;
  /** The identity-policy Allow statements that matched (with their document index). */
  readonly allows: readonly { document: number; statement: number }[];
  readonly denied: boolean;
}

const list = (v: string | readonly string[] | undefined): readonly string[] =>
  v === undefined ? [] : typeof v === "string" ? [v] : v;

export const statementsOf = (d: Document): readonly Statement[] =>
  Array.isArray(d.Statement) ? d.Statement : [d.Statement as Statement];

function noVariables(value: string, where: string): string {
  if (value.includes("${")) throw new Error(`${where}: policy variable in '${value}' not modelled`);
  return value;
}

export function matchesAction(s: Statement, action: string): boolean {
  if (s.NotAction !== undefined) return !list(s.NotAction).some((p) => globMatch(p, action, true));
  return list(s.Action).some((p) => globMatch(p, action, true));
}

export function matchesResource(s: Statement, resource: string): boolean {
  const match = (p: string) => globMatch(noVariables(p, "Resource"), resource);
  if (s.NotResource !== undefined) return !list(s.NotResource).some(match);
  return list(s.Resource).some(match);
}

type Test = (pattern: string, value: string) => boolean;

const STRING_OPERATORS: Record<string, { test: Test; negated: boolean }> = {
  StringEquals: { test: (p, v) => p === v, negated: false },
  StringNotEquals: { test: (p, v) => p === v, negated: true },
  StringEqualsIgnoreCase: { test: (p, v) => p.toLowerCase() === v.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: {
    test: (p, v) => p.toLowerCase() === v.toLowerCase(),
    negated: true,
  },
  StringLike: { test: (p, v) => globMatch(p, v), negated: false },
  StringNotLike: { test: (p, v) => globMatch(p, v), negated: true },
  // ARN operators compare field by field with wildcards; for the concrete ARNs here that is a
  // whole-string glob match (IAM User Guide, "ARN condition operators").
  ArnEquals: { test: (p, v) => globMatch(p, v), negated: false },
  ArnLike: { test: (p, v) => globMatch(p, v), negated: false },
  ArnNotEquals: { test: (p, v) => globMatch(p, v), negated: true },
  ArnNotLike: { test: (p, v) => globMatch(p, v), negated: true },
  Bool: { test: (p, v) => p.toLowerCase() === v.toLowerCase(), negated: false },
};

function contextValue(
  context: AuthorizationRequest["context"],
  key: string,
): readonly string[] | undefined {
  const found = Object.keys(context).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : list(context[found]);
}

/** Whether every condition of `s` holds for `request` (throws on what it cannot decide). */
export function conditionsHold(s: Statement, request: AuthorizationRequest): boolean {
  for (const [rawOperator, keys] of Object.entries(s.Condition ?? {})) {
    const [prefix, bare] = rawOperator.includes(":")
      ? (rawOperator.split(":", 2) as [string, string])
      : ["", rawOperator];
    const ifExists = bare.endsWith("IfExists");
    const name = ifExists ? bare.slice(0, -"IfExists".length) : bare;
    for (const [key, expected] of Object.entries(keys)) {
      const values = contextValue(request.context, key);
      if (name === "Null") {
        const wantsAbsent = list(expected).some((e) => e.toLowerCase() === "true");
        if ((values === undefined) !== wantsAbsent) return false;
        continue;
      }
      const op = STRING_OPERATORS[name];
      if (!op || (prefix !== "" && prefix !== "ForAllValues" && prefix !== "ForAnyValue")) {
        throw new Error(
          `condition operator ${rawOperator} is not modelled by tests/support/iam.ts`,
        );
      }
      if (values === undefined) {
        if (ifExists || prefix === "ForAllValues") continue;
        throw new Error(
          `${request.action}: condition key ${key} (${rawOperator}) is not in the request context`,
        );
      }
      const patterns = list(expected).map((e) => noVariables(e, key));
      const one = (v: string) => {
        const hit = patterns.some((p) => op.test(p, v));
        return op.negated ? !hit : hit;
      };
      const holds =
        prefix === "ForAnyValue"
          ? values.some(one)
          : prefix === "ForAllValues"
            ? values.every(one)
            : values.length === 1 && one(values[0] as string);
      if (!holds) return false;
    }
  }
  return true;
}

function applies(s: Statement, request: AuthorizationRequest): boolean {
  return (
    matchesAction(s, request.action) &&
    matchesResource(s, request.resource) &&
    conditionsHold(s, request)
  );
}

/**
 * IAM's decision for `request` made by a principal with `identity` policies and an optional
 * `boundary` (same account, no resource policy, no SCP).
 */
export function evaluate(
  identity: readonly Document[],
  request: AuthorizationRequest,
  boundary?: Document,
): Decision {
  const allows: { document: number; statement: number }[] = [];
  let denied = false;
  identity.forEach((doc, document) =>
    statementsOf(doc).forEach((s, statement) => {
      if (!applies(s, request)) return;
      if (s.Effect === "Deny") denied = true;
      else allows.push({ document, statement });
    }),
  );
  let bounded = true;
  if (boundary) {
    const matched = statementsOf(boundary).filter((s) => applies(s, request));
    if (matched.some((s) => s.Effect === "Deny")) denied = true;
    bounded = matched.some((s) => s.Effect === "Allow");
  }
  return { allowed: !denied && allows.length > 0 && bounded, allows, denied };
}
