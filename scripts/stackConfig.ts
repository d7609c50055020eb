/**
 * The stack's config files as the Pulumi CLI would hand them to the program: Pulumi.yaml's
 * defaults, the stack file's values over them, encrypted secrets replaced by marked placeholders.
 * Every problem reading them is one `StackError` line naming the fix, never a stack trace and
 * never a value from the file.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { parse as parseYaml, YAMLError } from "yaml";
import { SECRET_CONFIG } from "../infra/config/keys";

export const ROOT = path.resolve(__dirname, "..");

/** A secret that was not available offline and was planned with a marked placeholder. */
export interface SecretPlaceholder {
  key: string;
  reason: "not set" | "encrypted";
  command: string;
}

/** A stack that cannot be planned: the message is one line naming the fix. */
export class StackError extends Error {
  override name = "StackError";
  /** The message as the lines a CLI prints (a config error has one per bad key). */
  readonly lines: string[];
  constructor(message: string, lines?: string[]) {
    super(message);
    this.lines = lines ?? [message];
  }
}

export interface StackConfigFiles {
  project: string;
  stack: string;
  /** Full keys (`ns:key`) to the strings Pulumi hands a program (objects as JSON). */
  config: Record<string, string>;
  secretKeys: string[];
  placeholders: SecretPlaceholder[];
  /** Plain values of the secret settings (never printed; used to hide them in records). */
  secretValues: string[];
}

export function knownStacks(root = ROOT): string[] {
  return readdirSync(root)
    .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Reads and parses a YAML file of the project. A missing or unreadable file, or malformed YAML,
 * is a one-line `StackError`: `file:line:col: problem` and the fix, never the text at that place
 * (a stack file can hold a plain-text secret, and the parser's code frame would echo it).
 */
export function readYamlFile(root: string, file: string): unknown {
  let text: string;
  try {
    text = readFileSync(path.join(root, file), "utf8");
  } catch (err) {
    const code = (err as { code?: string }).code ?? "";
    const why =
      code === "ENOENT"
        ? "does not exist"
        : code === "EISDIR"
          ? "is a directory"
          : `cannot be read (${code || "error"})`;
    throw new StackError(`${file} ${why}. Fix: run from the project root, with ${file} in place.`);
  }
  try {
    return parseYaml(text) as unknown;
  } catch (err) {
    if (!(err instanceof YAMLError)) throw err;
    const at = err.linePos?.[0];
    // The parser's first line is "<problem> at line L, column C:", followed by a code frame.
    // The problem text names no values; anything after a colon could, so it is cut there.
    const problem = (err.message.split("\n")[0] ?? "")
      .replace(/ at line \d+, column \d+:?$/, "")
      .split(":")[0]
      ?.trim();
    throw new StackError(
      `${file}${at ? `:${at.line}:${at.col}` : ""}: malformed YAML (${err.code}: ${problem || "parse error"}). ` +
        `Fix: correct ${file} there (set values with \`pulumi config set\`, which writes valid YAML).`,
    );
  }
}

/**
 * Reads Pulumi.yaml and Pulumi.<stack>.yaml the way the CLI would hand them to the program:
 * project defaults first, stack values over them, objects as JSON. Encrypted values cannot be
 * decrypted offline; secrets that are missing or encrypted get a marked placeholder.
 */
export function loadStackConfig(
  stack: string,
  overrides: Record<string, string | undefined> = {},
  root = ROOT,
): StackConfigFiles {
  const projectFile = readYamlFile(root, "Pulumi.yaml");
  if (!isRecord(projectFile) || typeof projectFile.name !== "string") {
    throw new StackError("Pulumi.yaml has no project name. Fix: restore `name:` in Pulumi.yaml.");
  }
  const project = projectFile.name;
  const stackFileName = `Pulumi.${stack}.yaml`;
  if (!/^[\w.-]+$/.test(stack) || !existsSync(path.join(root, stackFileName))) {
    throw new StackError(
      `Unknown stack '${stack}': there is no Pulumi.${stack}.yaml. ` +
        `Known stacks: ${knownStacks(root).join(", ")}. Fix: --stack <one of them>, or create ` +
        `the stack with \`pulumi stack init ${stack}\` and set its config.`,
    );
  }

  const config: Record<string, string> = {};
  const encrypted = new Set<string>();
  const fullKey = (key: string) => (key.includes(":") ? key : `${project}:${key}`);

  if (isRecord(projectFile.config)) {
    for (const [key, decl] of Object.entries(projectFile.config)) {
      if (isRecord(decl) && decl.default !== undefined) config[fullKey(key)] = String(decl.default);
    }
  }

  const stackFile = readYamlFile(root, stackFileName);
  const stackConfig = isRecord(stackFile) && isRecord(stackFile.config) ? stackFile.config : {};
  for (const [key, value] of Object.entries(stackConfig)) {
    // `{ secure: ... }` leaves are ciphertext only the CLI can decrypt: drop them (recorded).
    const strip = (v: unknown, at: string): unknown => {
      if (isRecord(v) && typeof v.secure === "string" && Object.keys(v).length === 1) {
        encrypted.add(at);
        return undefined;
      }
      if (isRecord(v)) {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, strip(x, `${at}.${k}`)]));
      }
      return Array.isArray(v) ? v.map((x, i) => strip(x, `${at}[${i}]`)) : v;
    };
    const plain = strip(value, fullKey(key));
    if (plain === undefined) continue;
    config[fullKey(key)] = typeof plain === "object" ? JSON.stringify(plain) : String(plain);
  }

  // Overrides stand for values set through the CLI; a secret key among them counts as set with
  // --secret (tests of a plain-text secret write a stack file instead).
  const secretOverrides = new Set<string>();
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete config[fullKey(key)];
    else config[fullKey(key)] = value;
    secretOverrides.add(fullKey(key));
  }

  const placeholders: SecretPlaceholder[] = [];
  const secretKeys: string[] = [];
  const secretValues: string[] = [];
  for (const secret of SECRET_CONFIG) {
    const key = fullKey(secret.key);
    // Secret as the CLI would mark it: a `secure:` leaf under the key, or set via the CLI.
    const under = [`${key}.`, `${key}[`];
    if (
      [...encrypted].some((at) => under.some((u) => at.startsWith(u))) ||
      secretOverrides.has(key)
    ) {
      secretKeys.push(key);
    }
    const raw = config[key];
    if (raw === undefined || raw === "") continue; // Unset: no secret to stand in for.
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw) as unknown;
    } catch {
      parsed = raw;
    }
    // The items holding the secret field: the object, or each item of a list.
    const items: [string, unknown][] = secret.list
      ? Array.isArray(parsed)
        ? parsed.map((item, i) => [`[${i}]`, item])
        : []
      : [["", parsed]];
    if (items.length === 0 || items.some(([, item]) => !isRecord(item))) {
      // Not the structured value the row expects: the program's config validation names the
      // problem. A plain value here is most likely the secret itself, set without `--path`
      // (`pulumi config set --secret wechat <AppSecret>`): hide it too.
      if (!Array.isArray(parsed) && !isRecord(parsed)) secretValues.push(raw);
      continue;
    }
    for (const [at, item] of items as [string, Record<string, unknown>][]) {
      const value = item[secret.path];
      if (typeof value === "string" && value !== "") secretValues.push(value);
      if (value !== undefined) continue;
      const dotted = `${secret.key}${at}.${secret.path}`;
      const cliPath = at === "" ? dotted : `'${dotted}'`;
      placeholders.push({
        key: `${project}:${dotted}`,
        reason: encrypted.has(`${key}${at}.${secret.path}`) ? "encrypted" : "not set",
        command: `pulumi config set --path --secret ${cliPath} <${secret.what}> --stack ${stack}`,
      });
      item[secret.path] = `PLACEHOLDER-${secret.path}-offline-plan-only`;
      if (!secretKeys.includes(key)) secretKeys.push(key);
    }
    config[key] = JSON.stringify(parsed);
  }

  return { project, stack, config, secretKeys, placeholders, secretValues };
}
