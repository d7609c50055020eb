/**
 * The shape of one row of the config table (./table.ts) and the schema builders its rows use.
 *
 * Messages are templates: `{key}` is the full key (`cognito-devauth:wechat.appId`), `{value}` the
 * value as given, quoted, or "(value not shown)" for a secret. A message without `{key}` is read as
 * "`{key}: <message> (got {value})`". The reader (./read.ts) fills them and appends the row's fix.
 */
import { z } from "zod";
import type { PartitionId } from "../../core/partition";

/** Where the stack deploys, known before any setting is read (from `aws:region`). */
export interface Where {
  readonly region: string | undefined;
  readonly partition: PartitionId;
}

/**
 * How Pulumi hands the value to the program: scalars as strings (the schema converts them),
 * structured values (set with `--path`) as JSON.
 */
export type SettingType = "string" | "integer" | "boolean" | "object" | "list" | "map";

export const STRUCTURED: readonly SettingType[] = ["object", "list", "map"];

/** A documented field of a structured setting (`wechat.appId`, `loginDomain.domainName`). */
export interface Leaf {
  /** A scalar, or a list of structured items (documented by the row's description). */
  readonly type: Exclude<SettingType, "object" | "map">;
  readonly description: string;
  readonly required?: boolean;
  /** Default as the docs show it. */
  readonly default?: string;
  /** The leaf holds a secret: never shown, refused in plain text, planned with a placeholder. */
  readonly secret?: { readonly what: string; readonly placeholder: string };
  /** The command that sets it. */
  readonly fix: string;
}

export interface Setting<T> {
  readonly type: SettingType;
  /**
   * Validates and converts the value (a string for scalars, parsed JSON for structured ones).
   * Zod's core type, not the classic `z.ZodType`: tsc then checks each row's schema against its
   * output type alone, not against every method of the classic API (docs/testing.md, "Keeping the
   * suite fast"); read.ts parses with `z.safeParse`, which the classic method calls.
   */
  readonly schema: z.core.$ZodType<T>;
  /** Required settings have no default; their schema names what to set. */
  readonly required?: boolean;
  /** The default when unset (optional settings without one are `undefined` when unset). */
  readonly default?: T;
  /** A default that depends on where the stack deploys, with its text for the docs. */
  readonly defaultOf?: { readonly of: (where: Where) => T; readonly text: string };
  /** One paragraph for Pulumi.yaml and docs/configuration.md. */
  readonly description: string;
  /** The command that sets it right, named in every error of the setting. */
  readonly fix: string;
  /** The fields of a structured setting; any other field is refused. */
  readonly leaves?: Readonly<Record<string, Leaf>>;
}

/** This project's config namespace (`cognito-devauth:<key>`). */
export const PROJECT = "cognito-devauth";

/** Types a row: its default is checked against the schema, and its literal type is kept. */
export function setting<const R extends Setting<unknown>>(
  row: R & Setting<z.output<R["schema"]>>,
): R {
  return row;
}

/**
 * The value a row gives a stack: the schema's output, `undefined` possible only for an optional
 * row without a default.
 */
export type ValueOf<R> =
  R extends Setting<infer T>
    ? R extends { required: true } | { default: unknown } | { defaultOf: unknown }
      ? T
      : T | undefined
    : never;

/** `true` or `false`. */
export const flag = z
  .enum(["true", "false"], { message: "must be true or false" })
  .transform((v) => v === "true");

/** A boolean field of a structured setting: `true`, or `"true"` as `--path` may store it. */
export const jsonFlag = z.union([z.boolean(), flag], { message: "must be true or false" });

/**
 * A text field of a structured setting. `--path` stores "true"/"false" as booleans and digits
 * as numbers (`pulumi config set` reference), so a numeric tag value or app id arrives as one.
 */
export function pathString(message: string) {
  return z.union([z.string(), z.number(), z.boolean()], { message }).transform((v) => String(v));
}

/** A whole number from `min` to `max`, given as a string. */
export function wholeNumber(min: number, max: number) {
  const range = `must be a whole number from ${min} to ${max}`;
  return z
    .string()
    .regex(/^-?\d+$/, { message: range })
    .transform(Number)
    .pipe(z.number().min(min, { message: range }).max(max, { message: range }));
}

/** One of a vocabulary's words. */
export function oneOf<T extends string>(values: readonly [T, ...T[]]) {
  return z.enum(values, { message: `must be ${values.map((v) => `'${v}'`).join(" or ")}` });
}

/**
 * A string of a known format. `what` describes the valid form and is named in both the
 * "is required" and the "is not valid" message; a `secret` string never shows its value. A
 * top-level key reads `key: 'v' is not valid`, a field `key.field 'v' is not valid`.
 */
export function formatted(
  pattern: RegExp,
  what: string,
  { secret = false, field = false }: { secret?: boolean; field?: boolean } = {},
) {
  const invalid = `{key}${field ? "" : ":"}${secret ? "" : " {value}"} is not valid: ${what}`;
  return z
    .string({
      error: (issue) => (issue.input === undefined ? `{key} is required: ${what}` : invalid),
    })
    .regex(pattern, { message: invalid });
}
