/**
 * cognito-trust-policy: a role trusted by a Cognito identity pool must be pinned to one pool and one
 * kind of identity.
 *
 * Why: without `StringEquals <prefix>:aud = <pool id>` identities of ANY identity pool in any
 * account can assume the role; without `ForAnyValue:StringLike <prefix>:amr` guests can assume an
 * authenticated role (AWS Cognito developer guide, "Role trust and permissions"; docs/cognito.md,
 * "Trust policies"). A role Cognito hands out must trust nothing else: another Allow statement
 * (`Principal: "*"`, `{ AWS: "*" }`, another identity provider) lets others assume the same
 * permissions without the aud/amr conditions (IAM User Guide, "Policy evaluation logic": Allow
 * statements are OR-ed).
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { IDENTITY_POOL_ID } from "../../core/ids";
import {
  COGNITO_TRUST_FAMILIES,
  cognitoTrustFamilyOf,
  type CognitoTrustFamily,
} from "../../core/partition";
import { IDENTITY_KINDS, isOneOf, type IdentityKind } from "../../core/vocabulary";
import { TYPES } from "./types";
import {
  asList,
  asStrings,
  isAllow,
  isRecord,
  parsePolicyDocument,
  statementLabel,
  type JsonObject,
} from "./util";

/** True for a Cognito federated principal spelling (any string starting with `cognito-identity.`). */
function isCognitoPrincipal(value: unknown): boolean {
  return typeof value === "string" && value.toLowerCase().startsWith("cognito-identity.");
}

/** Cognito federated principals (any string starting with `cognito-identity.`). */
export function cognitoPrincipals(statement: JsonObject): string[] {
  const principal = statement["Principal"];
  if (!isRecord(principal)) return [];
  return asStrings(principal["Federated"]).filter(isCognitoPrincipal);
}

/** Every principal a statement trusts besides Cognito, described for messages. */
function otherPrincipals(statement: JsonObject): string[] {
  const out: string[] = [];
  if (statement["NotPrincipal"] !== undefined) {
    out.push(`NotPrincipal ${JSON.stringify(statement["NotPrincipal"])} (everyone else)`);
  }
  const principal = statement["Principal"];
  if (principal === undefined) return out;
  if (!isRecord(principal)) return [...out, `Principal ${JSON.stringify(principal)}`];
  for (const [kind, values] of Object.entries(principal)) {
    for (const value of asList(values)) {
      if (kind === "Federated" && isCognitoPrincipal(value)) continue;
      out.push(`${kind} ${JSON.stringify(value)}`);
    }
  }
  return out;
}

/** Condition entries `[operator, key, values]` whose key is `cognito-identity.*:<suffix>`. */
export function cognitoConditionKeys(
  statement: JsonObject,
  suffix: "aud" | "amr",
): { operator: string; key: string; prefix: string; values: string[] }[] {
  const out: { operator: string; key: string; prefix: string; values: string[] }[] = [];
  const condition = statement["Condition"];
  if (!isRecord(condition)) return out;
  for (const [operator, block] of Object.entries(condition)) {
    if (!isRecord(block)) continue;
    for (const [key, values] of Object.entries(block)) {
      // Condition keys are case-insensitive in IAM.
      const lower = key.toLowerCase();
      if (!lower.startsWith("cognito-identity.") || !lower.endsWith(`:${suffix}`)) continue;
      out.push({
        operator,
        key,
        prefix: lower.slice(0, -(suffix.length + 1)),
        values: asStrings(values),
      });
    }
  }
  return out;
}

/** What one Allow statement trusting Cognito pins: its `aud` and `amr` values. */
export interface CognitoPins {
  aud: string[];
  amr: string[];
}

/**
 * The aud (StringEquals) and amr (ForAnyValue:StringLike) values of every Allow statement of a
 * trust policy that trusts a Cognito principal, with keys of that principal's family. Empty when
 * the role is not trusted by Cognito or the document cannot be read.
 */
export function cognitoPinsOf(assumeRolePolicy: unknown): CognitoPins[] {
  const doc = parsePolicyDocument(assumeRolePolicy);
  if (doc.kind !== "document") return [];
  return doc.statements.flatMap((statement) => {
    if (!isAllow(statement)) return [];
    const families = cognitoPrincipals(statement)
      .map(cognitoTrustFamilyOf)
      .filter((f): f is CognitoTrustFamily => f !== undefined);
    if (families.length === 0) return [];
    const inFamily = (e: { prefix: string }) =>
      families.some((f) => f.keyPrefixes.includes(e.prefix));
    const values = (suffix: "aud" | "amr", operator: string) =>
      cognitoConditionKeys(statement, suffix)
        .filter((e) => inFamily(e) && e.operator === operator)
        .flatMap((e) => e.values);
    return [{ aud: values("aud", "StringEquals"), amr: values("amr", "ForAnyValue:StringLike") }];
  });
}

const ASSUME = "sts:assumerolewithwebidentity";
const TAG = "sts:tagsession";

/** JSON with sorted keys, to compare Principal and Condition blocks. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * The actions of a Cognito trust statement: `sts:AssumeRoleWithWebIdentity`, optionally with
 * `sts:TagSession` (attributes for access control, docs/cognito.md); or `sts:TagSession` alone in
 * a statement whose Principal and Condition are identical to an AssumeRoleWithWebIdentity one, so
 * session tags are accepted from exactly the identities that may assume the role.
 */
function actionsAccepted(statement: JsonObject, all: readonly JsonObject[]): boolean {
  if (statement["NotAction"] !== undefined) return false;
  const actions = new Set(asStrings(statement["Action"]).map((a) => a.toLowerCase()));
  if (asList(statement["Action"]).length !== actions.size) return false;
  if (actions.has(ASSUME)) return [...actions].every((a) => a === ASSUME || a === TAG);
  if (actions.size !== 1 || !actions.has(TAG)) return false;
  return all.some(
    (other) =>
      other !== statement &&
      isAllow(other) &&
      asStrings(other["Action"]).some((a) => a.toLowerCase() === ASSUME) &&
      canonical(other["Principal"]) === canonical(statement["Principal"]) &&
      canonical(other["Condition"]) === canonical(statement["Condition"]),
  );
}

function expected(family: CognitoTrustFamily, suffix: string): string {
  return `${family.keyPrefixes[0]}:${suffix}`;
}

export const cognitoTrustPolicy: ResourceValidationPolicy = {
  name: "cognito-trust-policy",
  description:
    "Roles trusted by Cognito identity pools must pin one pool (aud) and one identity kind (amr).",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.role) return;
    const role = `IAM role '${args.name}'`;
    const doc = parsePolicyDocument(args.props["assumeRolePolicy"]);
    if (doc.kind !== "document") return; // absent/invalid JSON: no-wildcard-iam reports invalid JSON.

    // A role Cognito can assume trusts nothing else, in any Allow statement (including the
    // Cognito statement itself: extra principals there are not bound by the aud/amr keys).
    const trustedByCognito = doc.statements.some(
      (s) => isAllow(s) && cognitoPrincipals(s).length > 0,
    );
    if (trustedByCognito) {
      doc.statements.forEach((statement, index) => {
        if (!isAllow(statement)) return;
        const others = otherPrincipals(statement);
        if (others.length === 0) return;
        reportViolation(
          `${role} ${statementLabel(statement, index)} trusts ${others.join(", ")} in a role that ` +
            `Cognito identities assume, so they get its permissions without the pool's aud/amr ` +
            `conditions; trust only the Cognito principal here and use a separate role for them.`,
        );
      });
    }

    const kinds = new Set<IdentityKind>();
    doc.statements.forEach((statement, index) => {
      if (!isAllow(statement)) return;
      const principals = cognitoPrincipals(statement);
      if (principals.length === 0) return;
      const where = `${role} ${statementLabel(statement, index)}`;

      for (const principal of principals) {
        const family = cognitoTrustFamilyOf(principal);
        if (!family) {
          const known = COGNITO_TRUST_FAMILIES.flatMap((f) => f.principals).join(", ");
          reportViolation(
            `${where} trusts unrecognised Cognito principal '${principal}'. Use one of: ${known}.`,
          );
          continue;
        }

        if (!actionsAccepted(statement, doc.statements)) {
          reportViolation(
            `${where} trusts ${principal} with Action ${JSON.stringify(statement["Action"] ?? statement["NotAction"])}: ` +
              `Cognito credentials need exactly "sts:AssumeRoleWithWebIdentity", plus ` +
              `"sts:TagSession" only for principal tags and only under the same aud/amr conditions. ` +
              `Set Action to those.`,
          );
        }

        // Keys must use the principal's family prefix (a China principal with global keys, or the
        // reverse, is a condition IAM never evaluates the way the author meant).
        for (const suffix of ["aud", "amr"] as const) {
          for (const entry of cognitoConditionKeys(statement, suffix)) {
            if (!family.keyPrefixes.includes(entry.prefix)) {
              reportViolation(
                `${where} trusts ${principal} but its condition key '${entry.key}' belongs to another ` +
                  `partition's Cognito: use ${expected(family, suffix)}.`,
              );
            }
          }
        }
        const inFamily = (e: { prefix: string }) => family.keyPrefixes.includes(e.prefix);

        // aud: StringEquals, exactly one concrete identity pool id.
        const aud = cognitoConditionKeys(statement, "aud").filter(
          (e) => inFamily(e) && e.operator === "StringEquals",
        );
        if (aud.length === 0) {
          reportViolation(
            `${where} trusts ${principal} without a StringEquals ${expected(family, "aud")} condition: ` +
              `any identity pool in any account could assume it. Add aud = <your identity pool id>.`,
          );
        } else {
          const values = aud.flatMap((e) => e.values);
          if (values.length !== 1) {
            reportViolation(
              `${where} trusts ${values.length} identity pools in ${expected(family, "aud")} ` +
                `(${values.join(", ")}): a role must trust exactly one pool. Keep one pool id.`,
            );
          } else if (!IDENTITY_POOL_ID.test(values[0] ?? "")) {
            reportViolation(
              `${where} has ${expected(family, "aud")} = '${values[0]}', which is not a concrete ` +
                `identity pool id (<region>:<uuid>, no wildcard). Set aud to your identity pool id.`,
            );
          }
        }

        // amr: ForAnyValue:StringLike, exactly "authenticated" or exactly "unauthenticated".
        const amr = cognitoConditionKeys(statement, "amr").filter(
          (e) => inFamily(e) && e.operator === "ForAnyValue:StringLike",
        );
        const amrValues = amr.flatMap((e) => e.values);
        const [onlyAmr] = amrValues;
        if (amr.length === 0) {
          reportViolation(
            `${where} trusts ${principal} without a ForAnyValue:StringLike ${expected(family, "amr")} ` +
              `condition: guests and signed-in users could both assume it. Add amr = "authenticated" ` +
              `(or "unauthenticated" for the guest role).`,
          );
        } else if (amrValues.length !== 1 || !isOneOf(IDENTITY_KINDS, onlyAmr)) {
          reportViolation(
            `${where} has ${expected(family, "amr")} = ${JSON.stringify(amrValues)}: it must be exactly ` +
              `"authenticated" or exactly "unauthenticated" so guests never get the signed-in role. ` +
              `Keep one of the two.`,
          );
        } else {
          kinds.add(onlyAmr);
        }
      }
    });

    if (kinds.size > 1) {
      reportViolation(
        `${role} trusts both authenticated and unauthenticated (guest) Cognito identities: guests ` +
          `would get the signed-in role. Use separate roles for the two.`,
      );
    }
  },
};
