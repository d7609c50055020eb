import type { PartitionId } from "../../core/partition";
import type { PlanResource, Synthesis } from "../../scripts/synth";
import { filesFingerprint, sharedPerWorker } from "./shared";

/** The committed stacks and what each must deploy to. Every infra test runs over both. */
export const STACKS: { stack: string; partition: PartitionId; region: string }[] = [
  { stack: "dev", partition: "aws", region: "us-east-1" },
  { stack: "cn-north-1", partition: "aws-cn", region: "cn-north-1" },
];

const cache = new Map<string, Promise<Synthesis>>();

/** What a synthesis reads: the program, what it bundles, the synthesizer, stack files, packages. */
const SYNTHESIS_INPUTS = [
  "infra",
  "core",
  "functions",
  "scripts",
  "Pulumi.yaml",
  ...STACKS.map((s) => `Pulumi.${s.stack}.yaml`),
  "package-lock.json",
];

/**
 * The stack as committed: synthesized once per jest worker and shared by its test files
 * (tests/support/shared.ts), each of which gets its own copy. Synthesis resets Pulumi's runtime,
 * so a file that needs that runtime set up calls `synthesize` itself.
 */
export function committed(stack: string): Promise<Synthesis> {
  let result = cache.get(stack);
  if (!result) {
    // Serialize syntheses: each one resets the SDK's global runtime store.
    const previous = Promise.all([...cache.values()].map((p) => p.catch(() => undefined)));
    result = previous.then(() =>
      sharedPerWorker(
        `committed-stack:${stack}:${filesFingerprint(SYNTHESIS_INPUTS)}`,
        async () => {
          // Imported on first need: a file whose stacks come from the worker loads no Pulumi.
          const { synthesize } = await import("../../scripts/synth");
          return synthesize(stack);
        },
      ),
    );
    cache.set(stack, result);
  }
  return result;
}

export function ofType(synth: Synthesis, type: string): PlanResource[] {
  return synth.resources.filter((r) => r.type === type);
}

export function one(synth: Synthesis, type: string, name: string): PlanResource {
  const found = synth.resources.find((r) => r.type === type && r.name === name);
  if (!found) throw new Error(`${synth.stack}: no ${type} named ${name}`);
  return found;
}

/** Every string anywhere in a value, JSON documents included (they are strings too). */
export function strings(value: unknown): string[] {
  if (typeof value === "string") {
    try {
      const parsed = JSON.parse(value) as unknown;
      if (typeof parsed === "object" && parsed !== null) return [value, ...strings(parsed)];
    } catch {
      // Not JSON: a plain string.
    }
    return [value];
  }
  if (Array.isArray(value)) return value.flatMap(strings);
  if (typeof value === "object" && value !== null) return Object.values(value).flatMap(strings);
  return [];
}
