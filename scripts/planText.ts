/**
 * The printed plan: every resource with its reviewable properties (a generic printer of the
 * inputs and computed values of every resource type, IAM documents pretty-printed, secrets
 * already `[secret]` and code assets a size and digest), the policy results, the outputs, and
 * warnings for whatever the offline plan had to guess.
 */
import type { LoginRoute } from "../core/appConfig";
import type { Violation } from "../policies/rules/run";
import type { PlanResult } from "./plan";
import { grantLines } from "./planGrants";
import type { PlanResource } from "./synth";

/** The IAM policy document a property holds (a JSON string with a `Statement`), if any. */
export function iamDocumentOf(value: unknown): unknown {
  if (typeof value !== "string" || !value.trimStart().startsWith("{")) return undefined;
  try {
    const doc = JSON.parse(value) as unknown;
    return typeof doc === "object" && doc !== null && "Statement" in doc ? doc : undefined;
  } catch {
    return undefined;
  }
}

/** Mandatory violations: any of them fails the plan. */
export function blocking(result: Pick<PlanResult, "rules" | "violations">): Violation[] {
  const mandatory = new Set(
    result.rules.filter((r) => r.enforcementLevel === "mandatory").map((r) => r.name),
  );
  return result.violations.filter((v) => mandatory.has(v.policy));
}

interface Style {
  bold(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
}

export function style(color: boolean): Style {
  const wrap = (code: number) => (s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  return { bold: wrap(1), red: wrap(31), green: wrap(32), yellow: wrap(33), dim: wrap(2) };
}

/**
 * Properties not worth a reviewer's line: the provider's echo of the stack's region and of the
 * tags (`tagsAll` repeats `tags` plus the provider's defaults). Everything else is shown.
 */
const NOISE = new Set(["tagsAll", "urn"]);

function show(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The lines of one resource's properties, sorted by name so plans diff cleanly. */
export function propertyLines(r: PlanResource, region: string): string[] {
  const lines: string[] = [];
  for (const key of Object.keys(r.state).sort()) {
    const value = r.state[key];
    if (value === undefined || NOISE.has(key)) continue;
    if (key === "region" && value === region) continue;
    if (typeof value === "object" && value !== null && Object.keys(value).length === 0) continue;
    const doc = iamDocumentOf(value);
    if (doc !== undefined) {
      lines.push(`${key}:`);
      for (const l of JSON.stringify(doc, null, 2).split("\n")) lines.push(`  ${l}`);
    } else {
      lines.push(`${key}: ${show(value)}`);
    }
  }
  return lines;
}

/**
 * How apps reach the login, a line per route (URL, custom domain or not, auth, flow, AppIDs): the
 * mini-program route and the OAuth route of mobile and website apps, those the stack has.
 */
export function loginSummary(result: PlanResult): string {
  const { login, oauthLogin, partition } = result.appConfig;
  const out = result.synthesis.outputs;
  const domain = out.loginDomainName ?? out.loginDomain ?? out.loginHost;
  const where =
    typeof domain === "string" || (typeof domain === "object" && domain !== null)
      ? `custom domain ${typeof domain === "string" ? domain : show(domain)}` +
        (out.loginDefaultEndpointDisabled === true ? ", default endpoint off" : "")
      : "API Gateway's default endpoint";
  const auth = (route: LoginRoute) =>
    route.auth === "iam" ? "SigV4-signed by basic-flow guest credentials" : "public (no signature)";
  const line = (label: string, route: LoginRoute) =>
    `${label}: POST ${route.url} (${where}; ${auth(route)}; ${route.flow} flow; apps ` +
    `${route.appIds.join(", ")}).`;
  const lines: string[] = [];
  if (login) {
    const china =
      partition === "aws-cn" && login.auth === "none"
        ? " A mini-program needs this domain ICP-filed and on its request allow-list."
        : partition === "aws-cn"
          ? " Not reachable from a mini-program (no ICP-filed domain): native apps and websites."
          : "";
    lines.push(`${line("Login", login)}${china}`);
  }
  if (oauthLogin) lines.push(line("OAuth login (mobile and website apps)", oauthLogin));
  return lines.join("\n  ");
}

export function renderPlan(result: PlanResult, color = false): string {
  const st = style(color);
  const s = result.synthesis;
  const lines: string[] = [];
  const out = (line = "") => lines.push(line);
  const custom = s.resources.filter((r) => r.custom).length;

  out(st.bold(`Plan for stack '${s.stack}' (${s.project})`));
  out(
    `  region ${s.region}, partition ${s.partition}, account ${s.accountId} ` +
      st.dim("(offline: computed values come from realistic mocks)"),
  );
  for (const p of s.placeholders) {
    out(
      st.yellow(
        `  warning: ${p.key} is ${p.reason}; planned with a marked placeholder. ` +
          `\`pulumi up\` refuses to run without it: ${p.command}`,
      ),
    );
  }
  if (s.unknownTypes.length > 0) {
    out(
      st.yellow(
        `  warning: the mocks do not know ${s.unknownTypes.join(", ")}: their computed values ` +
          "(ARNs, ids, endpoints) are missing or guessed in this plan. Fix: teach scripts/mocks.ts " +
          "the type.",
      ),
    );
  }
  if (s.unknownCalls.length > 0) {
    out(
      st.yellow(
        `  warning: the mocks do not answer ${[...new Set(s.unknownCalls)].join(", ")}: ` +
          "the program got empty results. Fix: teach scripts/mocks.ts the call.",
      ),
    );
  }
  out(`  ${loginSummary(result)}`);
  out();

  const violationsOf = (urn: string) => result.violations.filter((v) => v.resourceUrn === urn);
  const children = (parent: string | undefined) =>
    s.resources
      .filter((r) => r.parent === parent)
      .sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name));

  out(st.bold(`Resources (${custom} to create)`));
  const walk = (r: PlanResource, depth: number) => {
    const pad = "  ".repeat(depth);
    const flags = [r.protect ? "protected" : "", r.retainOnDelete ? "retained on delete" : ""]
      .filter(Boolean)
      .join(", ");
    const bad = violationsOf(r.urn).length > 0;
    const mark = bad ? st.red("✖") : st.green("+");
    out(`${pad}${mark} ${st.bold(r.name)} ${st.dim(r.type)}${flags ? ` [${flags}]` : ""}`);
    if (r.custom) for (const l of propertyLines(r, s.region)) out(`${pad}    ${l}`);
    for (const v of violationsOf(r.urn)) out(st.red(`${pad}    ✖ ${v.policy}: ${v.message}`));
    for (const c of children(r.urn)) walk(c, depth + 1);
  };
  for (const r of children(undefined)) walk(r, 1);
  out();

  const grants = grantLines(s);
  if (grants.length > 0) {
    out(st.bold("Grants (stack file `grants` and the statements they become)"));
    for (const line of grants) out(`  ${line}`);
    out();
  }

  out(st.bold("Policies"));
  for (const rule of result.rules) {
    const found = result.violations.filter((v) => v.policy === rule.name);
    if (found.length === 0) {
      out(`  ${st.green("✔")} ${rule.name} ${st.dim(`- ${rule.description}`)}`);
    } else {
      out(st.red(`  ✖ ${rule.name} (${rule.enforcementLevel}): ${found.length} violation(s)`));
      for (const v of found) out(st.red(`      ${v.message}`));
    }
  }
  out();

  out(st.bold("Outputs"));
  for (const [k, v] of Object.entries(s.outputs)) out(`  ${k}: ${show(v)}`);
  for (const k of result.secretOutputs) {
    out(
      st.red(
        `  ✖ output '${k}' exports a secret in clear: it would be stored and shown unencrypted. ` +
          "Fix: do not export it (or wrap it in pulumi.secret() if an app really needs it).",
      ),
    );
  }
  out();

  const failing = blocking(result);
  const problems = failing.length + result.secretOutputs.length;
  out(
    problems === 0
      ? st.green(`No policy violations. ${custom} resources.`)
      : st.red(
          [
            failing.length > 0 ? `${failing.length} mandatory policy violation(s)` : "",
            result.secretOutputs.length > 0
              ? `${result.secretOutputs.length} secret output(s) in clear`
              : "",
          ]
            .filter(Boolean)
            .join(" and ") + ": this stack must not be deployed.",
        ),
  );
  return lines.join("\n");
}
