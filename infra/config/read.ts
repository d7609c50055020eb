/**
 * Reads one setting of the table from the raw value Pulumi hands the program: decodes it,
 * validates it with the row's schema and turns every problem into one line naming the key (at
 * any depth) and the row's fix. A value is shown in a message only when it cannot be a secret.
 */
import { z } from "zod";
import { PROJECT, STRUCTURED, type Setting, type Where } from "./setting";

export interface ReadContext {
  readonly where: Where;
  /** Keys Pulumi holds as secrets; `undefined` when unknown (pure value checks). */
  readonly secretKeys: readonly string[] | undefined;
}

export interface Read {
  /** The value, its default when unset, or `undefined` when unset without default or invalid. */
  readonly value: unknown;
  readonly problems: string[];
}

type Path = readonly PropertyKey[];

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** `.appId`, `[0]`, `["accounts.google.com"]`: a path as Pulumi's `--path` spells it. */
export function pathText(path: Path): string {
  return path
    .map((p) =>
      typeof p === "number"
        ? `[${p}]`
        : /^[A-Za-z_][\w-]*$/.test(String(p))
          ? `.${String(p)}`
          : `["${String(p)}"]`,
    )
    .join("");
}

/** A `--path` argument for the shell: quoted when it holds brackets or quotes. */
function cliPath(key: string, path: Path): string {
  const text = `${key}${pathText(path)}`;
  return /[^\w.-]/.test(text) ? `'${text}'` : text;
}

function valueAt(value: unknown, path: Path): unknown {
  let v = value;
  for (const p of path) v = isObject(v) || Array.isArray(v) ? (v as never)[p] : undefined;
  return v;
}

const shown = (v: unknown) => `'${typeof v === "string" ? v : JSON.stringify(v)}'`;

/** The names of a row's secret fields. */
export function secretLeaves(row: Setting<unknown>): string[] {
  return Object.entries(row.leaves ?? {})
    .filter(([, leaf]) => leaf.secret)
    .map(([name]) => name);
}

class Reader {
  readonly full: string;
  readonly secrets: string[];
  readonly keyIsSecret: boolean;

  constructor(
    readonly key: string,
    readonly row: Setting<unknown>,
    readonly ctx: ReadContext,
  ) {
    this.full = `${PROJECT}:${key}`;
    this.secrets = secretLeaves(row);
    this.keyIsSecret = ctx.secretKeys?.includes(this.full) ?? false;
  }

  /**
   * Whether values of this key are never shown. A row with a secret field hides every value in
   * it, not only that field's: a secret pasted into the wrong field (the AppSecret as the AppID),
   * or the whole object set as a plain value, is still the secret. Any other row hides its value
   * once Pulumi holds it as a secret.
   */
  get holdsSecret(): boolean {
    return this.secrets.length > 0 || this.keyIsSecret;
  }

  fix(path: Path): string {
    const field = path.find((p): p is string => typeof p === "string");
    const fix = (field !== undefined && this.row.leaves?.[field]?.fix) || this.row.fix;
    // A list's leaf fixes name item 0; an error about another item names that item.
    const item = this.row.type === "list" ? path[0] : undefined;
    return typeof item === "number"
      ? fix.replaceAll(`${this.key}[0]`, `${this.key}[${item}]`)
      : fix;
  }

  /** Fills a message template (see ./setting.ts) and appends the fix. */
  line(template: string, path: Path, value: unknown): string {
    const text = template.includes("{key}") ? template : `{key}: ${template} (got {value})`;
    const hide = this.holdsSecret;
    const filled = (hide ? text.replace(" (got {value})", "") : text)
      .replace("{key}", `${this.full}${pathText(path)}`)
      .replace("{value}", hide ? "(value not shown)" : shown(value));
    return `${filled}. Fix: ${this.fix(path)}.`;
  }

  issue(issue: z.core.$ZodIssue, decoded: unknown): string[] {
    if (issue.code === "unrecognized_keys") {
      // The row's leaves are the fields of the top level only; deeper objects are described
      // by the row's description in docs/configuration.md.
      const known =
        issue.path.length === 0
          ? `Pulumi.yaml for the list; ${this.full} takes ${Object.keys(this.row.leaves ?? {}).join(", ")}`
          : `docs/configuration.md for the fields of ${this.full}${pathText(issue.path)}`;
      return issue.keys.map(
        (k) =>
          `${this.full}${pathText([...issue.path, k])} is not a setting of this project (see ` +
          `${known}). ` +
          `Fix: pulumi config rm --path ${cliPath(this.key, [...issue.path, k])}.`,
      );
    }
    if (issue.code === "invalid_key") {
      const message = issue.issues[0]?.message ?? "{key} is not a valid key";
      return [this.line(message, issue.path, issue.path[issue.path.length - 1])];
    }
    return [this.line(issue.message, issue.path, valueAt(decoded, issue.path))];
  }

  /** A structured setting set without `--path`: a plain value, possibly the secret itself. */
  shapeProblem(raw: string): string {
    const noun = { object: "an object", map: "a map", list: "a list" }[this.row.type as string];
    const hide = this.holdsSecret;
    const rotate =
      this.secrets.length > 0 && this.ctx.secretKeys !== undefined && !this.keyIsSecret
        ? `; if the value was the ${this.secretPlaceholders()}, rotate it: the stack file holds ` +
          "it in plain text"
        : "";
    return (
      `${this.full} must be ${noun} set field by field with --path, not a plain value` +
      (hide ? " (the value is not shown: this key holds a secret)" : ` (got ${shown(raw)})`) +
      `. Fix: pulumi config rm ${this.key}, then ${this.row.fix}${rotate}.`
    );
  }

  secretPlaceholders(): string {
    return this.secrets.map((s) => this.row.leaves?.[s]?.secret?.placeholder ?? s).join(" or ");
  }

  /** Secret fields written in plain text sit in Pulumi.<stack>.yaml, i.e. in git. */
  plainTextSecrets(decoded: unknown): string[] {
    if (this.ctx.secretKeys === undefined || this.keyIsSecret) return [];
    // An object's fields, or each item's of a list (`wechatApps[1].appSecret`).
    const items: [Path, unknown][] = Array.isArray(decoded)
      ? decoded.map((item, i) => [[i], item])
      : [[[], decoded]];
    return items.flatMap(([at, item]) =>
      isObject(item)
        ? this.secrets
            .filter((s) => typeof item[s] === "string")
            .map((s) => {
              const path = [...at, s];
              const leaf = this.row.leaves?.[s];
              return (
                `${this.full}${pathText(path)} is stored in plain text in the stack file. Fix: ` +
                `${this.fix(path)}, and rotate the ${leaf?.secret?.placeholder} if the file was ` +
                "ever committed."
              );
            })
        : [],
    );
  }

  decode(raw: string): { ok: true; value: unknown } | { ok: false } {
    if (!STRUCTURED.includes(this.row.type)) return { ok: true, value: raw };
    let value: unknown;
    try {
      value = JSON.parse(raw) as unknown;
    } catch {
      return { ok: false };
    }
    const fits = this.row.type === "list" ? Array.isArray(value) : isObject(value);
    return fits ? { ok: true, value } : { ok: false };
  }
}

export function readSetting(
  key: string,
  row: Setting<unknown>,
  raw: string | undefined,
  ctx: ReadContext,
): Read {
  const reader = new Reader(key, row, ctx);
  const unset = raw === undefined || (raw === "" && row.type === "string");
  if (unset && !row.required) {
    return { value: row.defaultOf ? row.defaultOf.of(ctx.where) : row.default, problems: [] };
  }
  // A required setting left unset is validated as empty, so each missing field is named.
  const decoded = unset
    ? { ok: true as const, value: row.type === "object" ? {} : undefined }
    : reader.decode(raw);
  if (!decoded.ok) return { value: undefined, problems: [reader.shapeProblem(raw as string)] };
  const problems = reader.plainTextSecrets(decoded.value);
  const result = z.safeParse(row.schema, decoded.value);
  if (!result.success) {
    problems.push(...result.error.issues.flatMap((i) => reader.issue(i, decoded.value)));
  }
  return { value: result.success ? result.data : undefined, problems };
}
