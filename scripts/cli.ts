/**
 * The one command-line convention of every tool (plan, app-config, smoke):
 *
 * - flags parsed by `node:util` `parseArgs`, strict: unknown flags and stray arguments are refused;
 * - `--help` prints the usage on stdout and exits 0;
 * - a usage, config or input error is ONE line on stderr, `error: <problem>. Fix: <fix>`, exit 2;
 * - exit 1 is reserved for "the check found a problem" (a policy violation, a failed smoke check);
 * - never a Node stack trace: `runCli` turns anything unexpected into one line and exit 2.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";

/** Exit codes shared by every tool. */
export const EXIT = { ok: 0, problemFound: 1, usage: 2 } as const;

/** What a CLI talks to; tests pass their own to run `main(argv, io)` in-process. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Standard input, read only when no --file is given. */
  readonly readStdin: () => string;
  readonly stdinIsTTY: boolean;
}

export const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin: () => readFileSync(0, "utf8"),
  stdinIsTTY: Boolean(process.stdin.isTTY),
};

/** An error the user can fix: its message is one line that names the fix (exit 2). */
export class CliError extends Error {
  override name = "CliError";
}

/** Collapses whitespace so a message can never spill over several lines. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

type Options = NonNullable<ParseArgsConfig["options"]>;

export interface CliSpec<O extends Options> {
  /** The npm script, e.g. `smoke` (named in "see npm run smoke -- --help"). */
  readonly command: string;
  readonly usage: string;
  readonly options: O;
}

export type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ options: O; strict: true }>>;

/**
 * Parses argv strictly. Returns undefined when `--help` was asked for (usage already printed);
 * throws a `CliError` naming the bad flag otherwise.
 */
export function parseCli<O extends Options>(
  argv: string[],
  spec: CliSpec<O>,
  io: Io,
): Parsed<O>["values"] | undefined {
  if (argv.includes("--help") || argv.includes("-h")) {
    io.stdout(`${spec.usage.trimEnd()}\n`);
    return undefined;
  }
  const help = `see \`npm run ${spec.command} -- --help\``;
  try {
    return parseArgs({ args: argv, options: spec.options, strict: true, allowPositionals: false })
      .values as Parsed<O>["values"];
  } catch (err) {
    const code = (err as { code?: string }).code;
    const flag = /'([^' ]+)/.exec((err as Error).message)?.[1] ?? "";
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      throw new CliError(`unknown option ${flag}. Fix: ${help}`);
    }
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      throw new CliError(`${flag} needs a value. Fix: ${help}`);
    }
    if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
      throw new CliError(`unexpected argument ${flag || "(positional)"}. Fix: ${help}`);
    }
    throw new CliError(`${oneLine((err as Error).message)}. Fix: ${help}`);
  }
}

/** A required flag, or a `CliError` naming it. */
export function required<T>(value: T | undefined, flag: string, command: string): T {
  if (value === undefined || value === "") {
    throw new CliError(`${flag} is required. Fix: see \`npm run ${command} -- --help\``);
  }
  return value;
}

const FS_PROBLEMS: Record<string, string> = {
  ENOENT: "does not exist",
  EACCES: "is not readable (permission denied)",
  EPERM: "is not readable (permission denied)",
  EISDIR: "is a directory, not a file",
  ENOTDIR: "is not a file (a part of its path is not a directory)",
  ELOOP: "is a symbolic link loop",
};

/** Why a file cannot be read, in words (no stack, no errno noise). */
function fsProblem(err: unknown): string {
  const code = (err as { code?: string }).code ?? "";
  return FS_PROBLEMS[code] ?? `cannot be read (${code || oneLine(String(err))})`;
}

/** Reads a text file; any failure is a one-line `CliError` naming the file and the fix. */
export function readTextFile(file: string, fix: string): string {
  try {
    if (statSync(file).isDirectory()) {
      throw Object.assign(new Error("directory"), { code: "EISDIR" });
    }
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new CliError(`${file} ${fsProblem(err)}. Fix: ${fix}`);
  }
}

/** Writes a text file; any failure is a one-line `CliError` naming the flag to fix. */
export function writeTextFile(file: string, text: string, flag = "--out"): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  } catch (err) {
    const code = (err as { code?: string }).code ?? "error";
    throw new CliError(`cannot write ${file} (${code}). Fix: ${flag} <a writable path>`);
  }
}

/** The flags of the tools that read stack outputs (app-config, smoke). */
export const OUTPUTS_OPTIONS = {
  stack: { type: "string" },
  file: { type: "string" },
  out: { type: "string" },
} as const;

export const OUTPUTS_FIX = "pass the output of `pulumi stack output --json --stack <name>`";

/**
 * Reads stack outputs JSON from `--file` or standard input (refusing a terminal, where nobody
 * piped anything). One-line `CliError` for every failure.
 */
export function readOutputsJson(file: string | undefined, io: Io): unknown {
  const source = file ?? "standard input";
  let text: string;
  if (file !== undefined) {
    text = readTextFile(file, `${OUTPUTS_FIX} with --file`);
  } else {
    if (io.stdinIsTTY) {
      throw new CliError(
        "no stack outputs on standard input. Fix: pipe `pulumi stack output --json` or pass --file.",
      );
    }
    try {
      text = io.readStdin();
    } catch (err) {
      throw new CliError(`standard input ${fsProblem(err)}. Fix: ${OUTPUTS_FIX}`);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CliError(`${source} is not JSON. Fix: use \`pulumi stack output --json\`.`);
  }
}

/** Writes an error as the one line every tool prints. */
export function printError(io: Io, message: string): number {
  io.stderr(`error: ${oneLine(message)}\n`);
  return EXIT.usage;
}

/**
 * Runs a CLI's `main` as a process: its exit code becomes the process's; a `CliError` or anything
 * unexpected becomes one line and exit 2 (a crash is not a verdict on the stack).
 */
export function runCli(main: (argv: string[], io: Io) => Promise<number> | number): void {
  Promise.resolve()
    .then(() => main(process.argv.slice(2), processIo))
    .then(
      (code) => {
        process.exitCode = code;
      },
      (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        process.exitCode = printError(
          processIo,
          err instanceof CliError
            ? message
            : `${err instanceof Error ? err.name : "Error"}: ${message}`,
        );
      },
    );
}

/** Runs a CLI body, turning a `CliError` into its one line and exit 2. */
export async function guarded(io: Io, body: () => Promise<number> | number): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof CliError) return printError(io, err.message);
    throw err;
  }
}

/** What a command that reads a stack's outputs gets: `--stack`, the outputs JSON, `--out`. */
export interface OutputsInput {
  readonly stack: string;
  readonly outputs: unknown;
  readonly out: string | undefined;
}

/**
 * The `main` of a command over a stack's outputs (`--stack`, outputs JSON on stdin or `--file`,
 * optional `--out`): strict flags, `--help`, one-line errors, then `body`.
 */
export function outputsCommand<I extends Io>(
  command: string,
  usage: string,
  body: (input: OutputsInput, io: I) => Promise<number> | number,
): (argv: string[], io: I) => Promise<number> {
  const spec = { command, usage, options: OUTPUTS_OPTIONS } as const;
  return (argv, io) =>
    guarded(io, () => {
      const flags = parseCli(argv, spec, io);
      if (!flags) return 0;
      const stack = required(flags.stack, "--stack", command);
      return body({ stack, outputs: readOutputsJson(flags.file, io), out: flags.out }, io);
    });
}
