/**
 * `npm run plan [-- --stack <name>]`: the offline main job. Runs the real Pulumi program for a
 * stack (its real stack file) under the SDK's mock runtime, runs every policy of the pack over
 * every resource, prints a readable plan, and writes `plan/<stack>.json` and
 * `plan/<stack>.app-config.json`. Exits 1 on any mandatory violation, 2 on a stack or config
 * that cannot be planned. Needs no cloud account and no Pulumi CLI.
 */
import * as pulumi from "@pulumi/pulumi";
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { allRules } from "../policies/rules";
import {
  runPolicies,
  type PlanResource as PolicyInput,
  type Violation,
} from "../policies/rules/run";
import { toAppConfig, type AppConfig } from "./appConfig";
import {
  ROOT,
  StackError,
  synthesize,
  withSecretMarkers,
  type PlanResource,
  type Synthesis,
} from "./synth";

export interface IamDocument {
  urn: string;
  resource: string;
  type: string;
  property: string;
  document: unknown;
}

export interface PlanResult {
  synthesis: Synthesis;
  rules: { name: string; description: string; enforcementLevel: string }[];
  violations: Violation[];
  iamDocuments: IamDocument[];
  appConfig: AppConfig;
}

/** Resources as the policy pack sees them, each with the default AWS provider of its region. */
export function policyInputs(synth: Synthesis): PolicyInput[] {
  return synth.resources
    .filter((r) => r.custom)
    .map((r) => ({
      type: r.type,
      name: r.name,
      urn: r.urn,
      props: withSecretMarkers(r.state) as Record<string, unknown>,
      opts: { protect: r.protect, retainOnDelete: r.retainOnDelete, parent: r.parent },
      provider: { type: "pulumi:providers:aws", name: "default", props: { region: synth.region } },
    }));
}

const IAM_PROPERTIES: Record<string, string[]> = {
  "aws:iam/role:Role": ["assumeRolePolicy"],
  "aws:iam/rolePolicy:RolePolicy": ["policy"],
  "aws:iam/policy:Policy": ["policy"],
};

export function iamDocuments(synth: Synthesis): IamDocument[] {
  return synth.resources.flatMap((r) =>
    (IAM_PROPERTIES[r.type] ?? [])
      .filter((p) => typeof r.state[p] === "string")
      .map((property) => ({
        urn: r.urn,
        resource: r.name,
        type: r.type,
        property,
        document: JSON.parse(String(r.state[property])) as unknown,
      })),
  );
}

/** Plans one stack. Rejects with StackError or pulumi.RunError (config) when it cannot. */
export async function plan(
  stack: string,
  overrides: Record<string, string | undefined> = {},
  mutate?: (resources: PlanResource[]) => void,
): Promise<PlanResult> {
  const synthesis = await synthesize(stack, overrides);
  mutate?.(synthesis.resources);
  return {
    synthesis,
    rules: allRules.map((r) => ({
      name: r.name,
      description: r.description,
      enforcementLevel: r.enforcementLevel ?? "mandatory",
    })),
    violations: runPolicies(policyInputs(synthesis)),
    iamDocuments: iamDocuments(synthesis),
    appConfig: toAppConfig(stack, synthesis.outputs),
  };
}

/** Mandatory violations: any of them fails the plan. */
export function blocking(result: PlanResult): Violation[] {
  const mandatory = new Set(
    result.rules.filter((r) => r.enforcementLevel === "mandatory").map((r) => r.name),
  );
  return result.violations.filter((v) => mandatory.has(v.policy));
}

/** The machine-readable plan: stable (no timestamps) so it diffs cleanly in review. */
export function planJson(result: PlanResult) {
  const s = result.synthesis;
  return {
    project: s.project,
    stack: s.stack,
    region: s.region,
    partition: s.partition,
    resources: s.resources.map((r) => ({
      urn: r.urn,
      type: r.type,
      name: r.name,
      parent: r.parent,
      protect: r.protect,
      retainOnDelete: r.retainOnDelete,
      properties: r.state,
    })),
    iamDocuments: result.iamDocuments,
    policies: {
      rules: result.rules.map((rule) => ({
        ...rule,
        violations: result.violations.filter((v) => v.policy === rule.name),
      })),
      violationCount: result.violations.length,
      mandatoryViolationCount: blocking(result).length,
    },
    outputs: s.outputs,
    secretPlaceholders: s.placeholders,
  };
}

// ---------------------------------------------------------------------------------------------
// Rendering

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

/** The properties a reviewer cares about, per resource type. */
const SHOWN: Record<string, string[]> = {
  "aws:cognito/identityPool:IdentityPool": [
    "identityPoolName",
    "developerProviderName",
    "allowUnauthenticatedIdentities",
    "allowClassicFlow",
    "arn",
  ],
  "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment": ["roles"],
  "aws:iam/role:Role": ["arn", "maxSessionDuration"],
  "aws:iam/rolePolicy:RolePolicy": ["role"],
  "aws:dynamodb/table:Table": [
    "name",
    "billingMode",
    "hashKey",
    "globalSecondaryIndexes",
    "pointInTimeRecovery",
    "deletionProtectionEnabled",
    "serverSideEncryption",
    "arn",
  ],
  "aws:secretsmanager/secret:Secret": ["arn"],
  "aws:secretsmanager/secretVersion:SecretVersion": ["secretString"],
  "aws:cloudwatch/logGroup:LogGroup": ["name", "retentionInDays"],
  "aws:lambda/function:Function": [
    "name",
    "runtime",
    "handler",
    "memorySize",
    "timeout",
    "code",
    "environment",
  ],
  "aws:apigatewayv2/api:Api": ["protocolType", "apiEndpoint", "tags"],
  "aws:apigatewayv2/integration:Integration": [
    "integrationType",
    "payloadFormatVersion",
    "timeoutMilliseconds",
  ],
  "aws:apigatewayv2/route:Route": ["routeKey", "authorizationType"],
  "aws:apigatewayv2/stage:Stage": ["name", "defaultRouteSettings", "accessLogSettings"],
  "aws:lambda/permission:Permission": ["principal", "sourceArn"],
};

function show(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

export function renderPlan(result: PlanResult, color = false): string {
  const st = style(color);
  const s = result.synthesis;
  const lines: string[] = [];
  const out = (line = "") => lines.push(line);

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
  out();

  const violationsOf = (urn: string) => result.violations.filter((v) => v.resourceUrn === urn);
  const children = (parent: string | undefined) =>
    s.resources
      .filter((r) => r.parent === parent)
      .sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name));

  out(st.bold(`Resources (${s.resources.filter((r) => r.custom).length} to create)`));
  const walk = (r: PlanResource, depth: number) => {
    const pad = "  ".repeat(depth);
    const flags = [r.protect ? "protected" : "", r.retainOnDelete ? "retained on delete" : ""]
      .filter(Boolean)
      .join(", ");
    const bad = violationsOf(r.urn).length > 0;
    const mark = bad ? st.red("✖") : st.green("+");
    out(`${pad}${mark} ${st.bold(r.name)} ${st.dim(r.type)}${flags ? ` [${flags}]` : ""}`);
    for (const key of SHOWN[r.type] ?? []) {
      if (r.state[key] !== undefined) out(`${pad}    ${key}: ${show(r.state[key])}`);
    }
    for (const doc of result.iamDocuments.filter((d) => d.urn === r.urn)) {
      out(`${pad}    ${doc.property}:`);
      for (const l of JSON.stringify(doc.document, null, 2).split("\n")) out(`${pad}      ${l}`);
    }
    for (const v of violationsOf(r.urn)) out(st.red(`${pad}    ✖ ${v.policy}: ${v.message}`));
    for (const c of children(r.urn)) walk(c, depth + 1);
  };
  for (const r of children(undefined)) walk(r, 1);
  out();

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
  out();

  const failing = blocking(result);
  out(
    failing.length === 0
      ? st.green(`No policy violations. ${s.resources.filter((r) => r.custom).length} resources.`)
      : st.red(`${failing.length} mandatory policy violation(s): this stack must not be deployed.`),
  );
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------
// Command line

export interface PlanFiles {
  plan: string;
  appConfig: string;
}

export function writePlan(result: PlanResult, dir = path.join(ROOT, "plan")): PlanFiles {
  mkdirSync(dir, { recursive: true });
  const files = {
    plan: path.join(dir, `${result.synthesis.stack}.json`),
    appConfig: path.join(dir, `${result.synthesis.stack}.app-config.json`),
  };
  writeFileSync(files.plan, `${JSON.stringify(planJson(result), null, 2)}\n`);
  writeFileSync(files.appConfig, `${JSON.stringify(result.appConfig, null, 2)}\n`);
  return files;
}

async function main(argv: string[]): Promise<number> {
  const usage = "usage: npm run plan [-- --stack <name>] [--out <dir>]";
  if (argv.includes("--help")) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const stack = argv.includes("--stack") ? arg("--stack") : "dev";
  if (!stack || stack.startsWith("--")) {
    process.stderr.write(`error: --stack needs a stack name. ${usage}\n`);
    return 2;
  }
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  const st = style(process.stderr.isTTY === true && !process.env.NO_COLOR);
  let result: PlanResult;
  try {
    result = await plan(stack);
  } catch (err) {
    if (err instanceof StackError) {
      process.stderr.write(`${st.red("error:")} ${err.message}\n`);
      return 2;
    }
    if (err instanceof pulumi.RunError) {
      // Config errors: one line per problem, each naming the key and the fix.
      const problems = err.message.split("\n").filter((l) => l.startsWith("  - "));
      const text = problems.length > 0 ? problems.map((l) => l.slice(4)) : [err.message];
      for (const line of text) process.stderr.write(`${st.red("error:")} ${line}\n`);
      return 2;
    }
    throw err;
  }
  process.stdout.write(`${renderPlan(result, color)}\n`);
  const files = writePlan(result, arg("--out"));
  process.stdout.write(
    `Wrote ${path.relative(process.cwd(), files.plan)} and ${path.relative(process.cwd(), files.appConfig)}\n`,
  );
  return blocking(result).length > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(2);
    },
  );
}
