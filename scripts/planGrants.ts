/**
 * The plan's "Grants" section: each grant of the stack file in one line (describeGrant, carried
 * by the `grants` output), then the statements it became in the role's policy, found by Sid.
 */
import type { PlanResource, Synthesis } from "./synth";

interface Statement {
  Sid?: string;
  Effect?: string;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: unknown;
}

interface GrantLine {
  grant: string;
  sids: string[];
}

const list = (v: string | string[] | undefined) => (v === undefined ? [] : [v].flat());

function statementsOf(resource: PlanResource | undefined): Statement[] {
  const policy = resource?.state["policy"] ?? resource?.inputs["policy"];
  if (typeof policy !== "string") return [];
  try {
    const doc = JSON.parse(policy) as { Statement?: Statement[] };
    return doc.Statement ?? [];
  } catch {
    return [];
  }
}

/** One line per statement: `Sid: Allow a, b on r1, r2 when {...}`. */
function statementLine(s: Statement): string {
  const when = s.Condition === undefined ? "" : ` when ${JSON.stringify(s.Condition)}`;
  return (
    `${s.Sid ?? "(no Sid)"}: ${s.Effect ?? "?"} ${list(s.Action).join(", ")} on ` +
    `${list(s.Resource).join(", ")}${when}`
  );
}

/** The section's lines (without heading), empty when the stack grants nothing. */
export function grantLines(synth: Synthesis): string[] {
  const summary = synth.outputs["grants"] as
    { authenticated?: GrantLine[]; guest?: GrantLine[] } | undefined;
  const out: string[] = [];
  for (const role of ["authenticated", "guest"] as const) {
    const grants = summary?.[role] ?? [];
    if (grants.length === 0) continue;
    const policyName = `identity-${role}-grants`;
    const policy = synth.resources.find((r) => r.name === policyName);
    const statements = statementsOf(policy);
    out.push(`${role} role (RolePolicy ${policyName}, capped by identity-${role}-boundary)`);
    for (const g of grants) {
      out.push(`  • ${g.grant}`);
      for (const sid of g.sids) {
        const s = statements.find((st) => st.Sid === sid);
        out.push(`      ${s ? statementLine(s) : `${sid}: not in ${policyName}`}`);
      }
    }
  }
  return out;
}
