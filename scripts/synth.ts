/**
 * Offline synthesis: runs the real Pulumi program (infra/index.ts) for one stack, with its real
 * stack file, under the Pulumi SDK's mock runtime, and records every resource registration with
 * its inputs, computed state and options (protect, retainOnDelete, parent). Used by the offline
 * plan and by the tests, so both see exactly what `pulumi up` would be asked to create.
 */
import type * as Pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { partitionOfRegion, type PartitionId } from "../core/partition";
import { accountIdFor, createMocks, type MockTarget, type RecordingMocks } from "./mocks";
import { loadStackConfig, StackError, type SecretPlaceholder } from "./stackConfig";

export {
  knownStacks,
  loadStackConfig,
  readYamlFile,
  ROOT,
  StackError,
  type SecretPlaceholder,
  type StackConfigFiles,
} from "./stackConfig";

/** Shown instead of a secret value in plans and records. */
export const REDACTED = "[secret]";

export interface PlanResource {
  urn: string;
  type: string;
  name: string;
  /** URN of the parent resource, if any. */
  parent: string | undefined;
  /** False for component resources. */
  custom: boolean;
  protect: boolean;
  retainOnDelete: boolean;
  /** What the program passed, secrets replaced by `[secret]`. */
  inputs: Record<string, unknown>;
  /** Inputs plus computed values (ARNs, ids) as the mocks answered, secrets redacted. */
  state: Record<string, unknown>;
}

export interface Synthesis {
  project: string;
  stack: string;
  region: string;
  partition: PartitionId;
  accountId: string;
  resources: PlanResource[];
  outputs: Record<string, unknown>;
  placeholders: SecretPlaceholder[];
  unknownCalls: string[];
  /** Resource types the mocks had to guess computed values for. */
  unknownTypes: string[];
  /** Outputs that carry a secret value in clear (not marked secret); redacted here. */
  secretOutputs: string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

// Signatures of Pulumi's serialized secrets and assets (@pulumi/pulumi/runtime/rpc).
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";

/** A code asset as the plan shows it: its size and digest, not its text. */
export interface AssetSummary {
  asset: "text";
  bytes: number;
  sha256: string;
}

/** Every string leaf of a value. */
function leaves(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(leaves);
  if (isRecord(value)) return Object.values(value).flatMap(leaves);
  return [];
}

/**
 * Replaces secrets with `[secret]` and text assets with a summary, recursively. Pulumi marks a
 * whole property secret when any value inside it is (e.g. all of a function's `environment`), so
 * a secret wrapper is opened and only the leaves that are known secret values are hidden; a
 * wrapper holding no known secret is hidden whole.
 */
function redact(value: unknown, secrets: ReadonlySet<string>): unknown {
  if (typeof value === "string") return secrets.has(value) ? REDACTED : value;
  if (Array.isArray(value)) return value.map((v) => redact(v, secrets));
  if (!isRecord(value)) return value;
  if (value[SIG] === SECRET_SIG) {
    const inner = redact(value.value, secrets);
    return leaves(inner).includes(REDACTED) ? inner : REDACTED;
  }
  if (value[SIG] === ASSET_SIG && typeof value.text === "string") {
    const summary: AssetSummary = {
      asset: "text",
      bytes: Buffer.byteLength(value.text),
      sha256: createHash("sha256").update(value.text).digest("hex"),
    };
    return summary;
  }
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => k !== SIG && k !== "__pulumiArchive" && k !== "__pulumiAsset")
      .map(([k, v]) => [k, redact(v, secrets)]),
  );
}

/**
 * The value as a policy sees a secret: Pulumi's serialized-secret marker at each `[secret]` leaf
 * (the policies flag a secret wherever it must not be, e.g. in a Lambda environment).
 */
export function withSecretMarkers(value: unknown): unknown {
  if (value === REDACTED) return { [SIG]: SECRET_SIG, value: REDACTED };
  if (Array.isArray(value)) return value.map(withSecretMarkers);
  if (isRecord(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withSecretMarkers(v)]));
  }
  return value;
}

interface StructLike {
  toJavaScript(): Record<string, unknown>;
}
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
  getObject(): StructLike | undefined;
}
interface RegisterResponse {
  getUrn(): string;
  getObject(): StructLike | undefined;
}
type Callback = (err: Error | null, resp?: RegisterResponse) => void;
interface MonitorLike {
  registerResource(req: RegisterRequest, cb: Callback): void;
}

/**
 * The Pulumi SDK, loaded by the first synthesis, once its stack file and config have been read:
 * a stack or config that cannot be planned is answered without loading it (~2 s of CPU).
 */
const sdk = async () => ({
  pulumi: await import("@pulumi/pulumi"),
  settings: await import("@pulumi/pulumi/runtime/settings"),
});

async function resolveOutput(pulumi: typeof Pulumi, value: unknown): Promise<unknown> {
  if (!pulumi.Output.isInstance(value)) return value;
  const output = value as Pulumi.Output<unknown>;
  if (await pulumi.isSecret(output)) return REDACTED;
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}

/**
 * Runs the program for `stack` under mocks. `overrides` replace stack-file values (full or
 * project-relative keys; `undefined` removes a key), which is how tests try bad configs.
 */
export interface SynthOptions {
  /** Mocks to use instead of the realistic ones (tests: what other people's mocks do). */
  mocks?: (target: MockTarget) => RecordingMocks;
  /** Where Pulumi.yaml and the stack files are (tests: a stack file of their own). */
  root?: string;
  /** A program to run instead of infra/index.ts (tests: what a broken program does). */
  program?: () => Promise<Record<string, unknown>>;
}

export async function synthesize(
  stack: string,
  overrides: Record<string, string | undefined> = {},
  options: SynthOptions = {},
): Promise<Synthesis> {
  const files = loadStackConfig(stack, overrides, options.root);
  const region = files.config["aws:region"] ?? "";
  const partition = partitionOfRegion(region) ?? "aws";
  const accountId = accountIdFor(partition);
  const mocks = (options.mocks ?? createMocks)({ stack, partition, region, accountId });
  const { pulumi, settings } = await sdk();

  // Each synthesis gets a fresh Pulumi runtime store (the SDK keeps it on the global object), so
  // both stacks can be synthesized in one process.
  delete (globalThis as { globalStore?: unknown }).globalStore;
  await pulumi.runtime.setMocks(mocks, files.project, stack, false);
  pulumi.runtime.setAllConfig(files.config, files.secretKeys);

  const resources: PlanResource[] = [];
  const secrets = new Set(files.secretValues);
  const monitor = settings.getMonitor() as unknown as MonitorLike;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) =>
    register(req, (err, resp) => {
      if (!err && resp) {
        const inputs = redact(req.getObject()?.toJavaScript() ?? {}, secrets) as Record<
          string,
          unknown
        >;
        const state = redact(resp.getObject()?.toJavaScript() ?? {}, secrets) as Record<
          string,
          unknown
        >;
        resources.push({
          urn: resp.getUrn(),
          type: req.getType(),
          name: req.getName(),
          parent: req.getParent() || undefined,
          custom: req.getCustom(),
          protect: req.getProtect() ?? false,
          retainOnDelete: req.getRetainondelete() ?? false,
          inputs,
          state: { ...inputs, ...state },
        });
      }
      cb(err, resp);
    });

  // A program failure, thrown or rejected inside an `apply` (which Pulumi surfaces only as an
  // unhandled rejection), ends the synthesis as one `StackError`, never as a hang or a stack trace.
  let failWith: (reason: unknown) => void = () => undefined;
  const failed = new Promise<never>((_resolve, reject) => {
    failWith = reject;
  });
  const onRejection = (reason: unknown) => failWith(reason);
  process.on("unhandledRejection", onRejection);
  const outputs: Record<string, unknown> = {};
  let settled = false;
  try {
    await Promise.race([
      failed,
      (async () => {
        // Imported here, after the mocks are set, as Pulumi's unit-testing guide requires.
        const program =
          options.program ??
          ((await import("../infra/index")) as { default: () => Promise<Record<string, unknown>> })
            .default;
        const exported = await program();
        for (const [key, value] of Object.entries(exported)) {
          outputs[key] = await resolveOutput(pulumi, value);
        }
        // waitForRPCs is internal (absent from the .d.ts); the SDK awaits it before a program exits.
        await (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
      })(),
    ]);
    settled = true;
  } catch (err) {
    throw programError(pulumi, err, secrets);
  } finally {
    // After a failure, what is still in flight may reject later: swallow that for a moment.
    if (settled) process.off("unhandledRejection", onRejection);
    else setTimeout(() => process.off("unhandledRejection", onRejection), 2000).unref();
  }

  // A secret value in an output that is not marked secret would be stored and shown in clear.
  const secretOutputs = Object.keys(outputs).filter((k) =>
    leaves(outputs[k]).some((v) => secrets.has(v)),
  );
  for (const key of secretOutputs) outputs[key] = redact(outputs[key], secrets);

  return {
    project: files.project,
    stack,
    region,
    partition,
    accountId,
    resources,
    outputs,
    placeholders: files.placeholders,
    unknownCalls: [...mocks.unknownCalls],
    unknownTypes: [...new Set(mocks.unknownTypes)],
    secretOutputs,
  };
}

/** Replaces every secret value in a text (error messages may quote config values). */
export function hideSecrets(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const s of secrets) if (s !== "") out = out.split(s).join(REDACTED);
  return out;
}

/**
 * A program failure as one or more lines naming the fix: config errors (a `RunError` listing one
 * problem per line) keep their lines; anything else is "the program failed" with its message.
 * Secret values are hidden in every line.
 */
function programError(
  pulumi: typeof Pulumi,
  err: unknown,
  secrets: ReadonlySet<string>,
): StackError {
  if (err instanceof StackError) return err;
  const message = hideSecrets(err instanceof Error ? err.message : String(err), secrets);
  if (err instanceof pulumi.RunError) {
    const problems = message.split("\n").filter((l) => l.startsWith("  - "));
    const lines = problems.length > 0 ? problems.map((l) => l.slice(4).trim()) : [message];
    return new StackError(lines.map((l) => l.replace(/\s+/g, " ")).join(" "), lines);
  }
  const name = err instanceof Error && err.name !== "Error" ? `${err.name}: ` : "";
  return new StackError(
    `The program failed: ${name}${message.replace(/\s+/g, " ").trim()}. Fix: correct the code or ` +
      "config this names (`npx jest tests/infra` runs the program under test).",
  );
}
