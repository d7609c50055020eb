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
 * Policy variables (`${key}` in a resource or a condition value) take the request's single value
 * of `key` (IAM User Guide, "IAM policy elements: Variables and tags"), matched literally; a
 * variable the context does not carry, or one with a default or a special character (`${*}`),
 * throws. Session policies (STS session policies, and the managed policy Cognito passes for
 * enhanced-flow guests) cap the result like a boundary does (IAM User Guide, "Session policies").
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

type Context = AuthorizationRequest["context"];

function contextValue(context: Context, key: string): readonly string[] | undefined {
  const found = Object.keys(context).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : list(context[found]);
}

/** `value` with each `${key}` replaced by the request's value of `key` (throws if it has none). */
function substitute(value: string, where: string, context: Context): string {
  return value.replace(/\$\{([^}]*)\}/g, (variable, key: string) => {
    const values = /^[\w.:/-]+$/.test(key) ? contextValue(context, key) : undefined;
    const only = values?.length === 1 ? values[0] : undefined;
    // A substituted wildcard would match as one: no request value here should carry any.
    if (only === undefined || /[*?]/.test(only)) {
      throw new Error(`${where}: policy variable ${variable} in '${value}' not modelled`);
    }
    return only;
  });
}

export function matchesAction(s: Statement, action: string): boolean {
  if (s.NotAction !== undefined) return !list(s.NotAction).some((p) => globMatch(p, action, true));
  return list(s.Action).some((p) => globMatch(p, action, true));
}

export function matchesResource(s: Statement, resource: string, context: Context = {}): boolean {
  const match = (p: string) => globMatch(substitute(p, "Resource", context), resource);
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
      const patterns = list(expected).map((e) => substitute(e, key, request.context));
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
    matchesResource(s, request.resource, request.context) &&
    conditionsHold(s, request)
  );
}

/**
 * IAM's decision for `request` made by a principal with `identity` policies, an optional
 * `boundary` and optional `session` policies (same account, no resource policy, no SCP). With
 * session policies, an Allow in one of them is needed too, and a Deny in any wins.
 */
export function evaluate(
  identity: readonly Document[],
  request: AuthorizationRequest,
  boundary?: Document,
  session?: readonly Document[],
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
  if (session) {
    const matched = session.flatMap((d) => statementsOf(d).filter((s) => applies(s, request)));
    if (matched.some((s) => s.Effect === "Deny")) denied = true;
    if (!matched.some((s) => s.Effect === "Allow")) bounded = false;
  }
  return { allowed: !denied && allows.length > 0 && bounded, allows, denied };
}
