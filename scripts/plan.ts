/**
 * `npm run plan [-- --stack <name>]`: the offline main job. Runs the real Pulumi program for a
 * stack (its real stack file) under the SDK's mock runtime, runs every policy of the pack over
 * every resource, prints a readable plan, and writes `plan/<stack>.json` and
 * `plan/<stack>.app-config.json`. Exits 1 on any mandatory violation or a secret exported in clear,
 * 2 on a stack, config or program that cannot be planned (one line each, scripts/cli.ts). Needs no
 * cloud account and no Pulumi CLI. The printed plan lives in scripts/planText.ts.
 */
import * as path from "node:path";
import { allRules } from "../policies/rules";
import {
  runPolicies,
  type PlanResource as PolicyInput,
  type Violation,
} from "../policies/rules/run";
import type { StackAppConfig } from "../core/appConfig";
import { AppConfigError, toAppConfig } from "./appConfig";
import { EXIT, guarded, parseCli, processIo, runCli, writeTextFile, type Io } from "./cli";
import { blocking, iamDocumentOf, renderPlan } from "./planText";

export { blocking, renderPlan };
import {
  ROOT,
  StackError,
  synthesize,
  withSecretMarkers,
  type PlanResource,
  type SynthOptions,
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
  /** Outputs exporting a secret in clear: each fails the plan like a mandatory violation. */
  secretOutputs: string[];
  rules: { name: string; description: string; enforcementLevel: string }[];
  violations: Violation[];
  iamDocuments: IamDocument[];
  appConfig: StackAppConfig;
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

/** Every IAM document of every resource type (trust policies, inline and managed policies...). */
export function iamDocuments(synth: Synthesis): IamDocument[] {
  return synth.resources.flatMap((r) =>
    Object.entries(r.state).flatMap(([property, value]) => {
      const document = iamDocumentOf(value);
      return document === undefined
        ? []
        : [{ urn: r.urn, resource: r.name, type: r.type, property, document }];
    }),
  );
}

/** Plans one stack. Rejects with a StackError (config, program) or AppConfigError when it cannot. */
export async function plan(
  stack: string,
  overrides: Record<string, string | undefined> = {},
  mutate?: (resources: PlanResource[]) => void,
  options: SynthOptions = {},
): Promise<PlanResult> {
  return planOf(await synthesize(stack, overrides, options), mutate);
}

/**
 * The plan of a synthesis (its resources first changed by `mutate`, which tests use to break
 * them): policies, IAM documents and app config. Throws an AppConfigError when the outputs are
 * not a stack's.
 */
export function planOf(
  synthesis: Synthesis,
  mutate?: (resources: PlanResource[]) => void,
): PlanResult {
  const { stack } = synthesis;
  mutate?.(synthesis.resources);
  return {
    synthesis,
    secretOutputs: synthesis.secretOutputs,
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

/** True when the plan must fail: a mandatory violation or a secret output in clear. */
export function failed(result: PlanResult): boolean {
  return blocking(result).length > 0 || result.secretOutputs.length > 0;
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
    secretOutputs: result.secretOutputs,
    secretPlaceholders: s.placeholders,
    guessedResourceTypes: s.unknownTypes,
  };
}

// ---------------------------------------------------------------------------------------------
// Command line

export interface PlanFiles {
  plan: string;
  appConfig: string;
}

export function writePlan(result: PlanResult, dir = path.join(ROOT, "plan")): PlanFiles {
  const files = {
    plan: path.join(dir, `${result.synthesis.stack}.json`),
    appConfig: path.join(dir, `${result.synthesis.stack}.app-config.json`),
  };
  writeTextFile(files.plan, `${JSON.stringify(planJson(result), null, 2)}\n`);
  writeTextFile(files.appConfig, `${JSON.stringify(result.appConfig, null, 2)}\n`);
  return files;
}

export const USAGE =
  "usage: npm run plan [-- --stack <name>] [--out <dir>]\n" +
  "Plans a stack offline (real program, real stack file, realistic mocks), runs the policy pack,\n" +
  "prints the plan and writes plan/<stack>.json and plan/<stack>.app-config.json.\n" +
  "Exit 0: no violation; 1: a mandatory violation or a secret output in clear; 2: usage error,\n" +
  "a stack or config that cannot be planned, or a program failure.\n";

const SPEC = {
  command: "plan",
  usage: USAGE,
  options: { stack: { type: "string", default: "dev" }, out: { type: "string" } },
} as const;

export interface PlanCliOptions {
  /** Colors on stdout (the process default: a TTY without NO_COLOR). */
  readonly color?: boolean;
  /** How to plan a stack (tests: a stack file or program of their own). */
  readonly plan?: (stack: string) => Promise<PlanResult>;
}

/** Command line: plan a stack, print and write it; exit code as USAGE says. */
export async function main(
  argv: string[],
  io: Io = processIo,
  options: PlanCliOptions = {},
): Promise<number> {
  return guarded(io, async () => {
    const flags = parseCli(argv, SPEC, io);
    if (!flags) return EXIT.ok;
    let result: PlanResult;
    try {
      result = await (options.plan ?? plan)(flags.stack);
    } catch (err) {
      // Each line names its problem and the fix: config keys, the stack file, the program.
      const lines =
        err instanceof StackError
          ? err.lines
          : err instanceof AppConfigError
            ? err.problems
            : undefined;
      if (lines === undefined) throw err;
      for (const line of lines) io.stderr(`error: ${line.replace(/\s+/g, " ")}\n`);
      return EXIT.usage;
    }
    io.stdout(`${renderPlan(result, options.color ?? false)}\n`);
    const files = writePlan(result, flags.out);
    const rel = (f: string) => path.relative(process.cwd(), f);
    io.stdout(`Wrote ${rel(files.plan)} and ${rel(files.appConfig)}\n`);
    return failed(result) ? EXIT.problemFound : EXIT.ok;
  });
}

if (require.main === module) {
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  runCli((argv, io) => main(argv, io, { color }));
}
