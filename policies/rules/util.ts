/**
 * Shared helpers for the policy rules: narrowing untyped resource properties, reading IAM policy
 * documents (JSON string or object), and seeing through @pulumi/policy's preview proxy.
 *
 * Why the proxy matters: @pulumi/policy wraps `props` in a proxy that throws `UnknownValueError`
 * when a rule reads a value that is unknown during `pulumi preview` (node_modules/@pulumi/policy/
 * proxy.js). The SDK turns that throw into an advisory "can't run policy during preview". Rules that
 * read a single value let that happen on purpose (they are enforced again on `pulumi up`, when the
 * inputs are known). Rules that walk whole property trees (arn-partition) or only need key names
 * (no-secret-in-lambda-env) use `raw()` and skip the unknown sentinels instead, so one unknown
 * output does not switch the whole rule off.
 */
import { REGION } from "../../core/ids";

export type JsonObject = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value or list of values (IAM's `Action`, `Resource`, condition values) as a list. */
export function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** Only the string members of `asList(value)`. */
export function asStrings(value: unknown): string[] {
  return asList(value).filter((v): v is string => typeof v === "string");
}

// Sentinels the Pulumi engine uses for values unknown during preview. Copied from
// @pulumi/policy/proxy.js (marked @internal there, so not imported); they are part of the engine's
// wire protocol and identical in @pulumi/pulumi's runtime.
const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
  "030794c1-ac77-496b-92df-f27374a8bd58", // asset
  "e48ece36-62e2-4504-bad9-02848725956a", // archive
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
]);

/** True for a value that is unknown during preview. */
export function isUnknown(value: unknown): boolean {
  return typeof value === "string" && UNKNOWN_SENTINELS.has(value);
}

/**
 * A resource's `retainOnDelete` option where the caller shows it, else undefined. @pulumi/policy's
 * `PolicyResourceOptions` has `protect` but no `retainOnDelete` (the analyzer protocol does not
 * send it), so under `pulumi preview/up --policy-pack` it is never visible; the offline runner
 * (./run.ts) adds it from the plan.
 */
export function retainOnDeleteOf(opts: object): boolean | undefined {
  const value = (opts as { retainOnDelete?: unknown }).retainOnDelete;
  return typeof value === "boolean" ? value : undefined;
}

/** A string that is known (not a preview placeholder). */
export function known(value: unknown): value is string {
  return typeof value === "string" && !isUnknown(value);
}

/**
 * The plain object behind @pulumi/policy's unknown-checking proxy (a no-op for plain objects).
 * Reading `__getSpecialProxyTarget` is the proxy's own escape hatch (proxy.js); nested values of
 * the target are plain, so one unwrap at the top is enough.
 */
export function raw<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    const target = (value as JsonObject)["__getSpecialProxyTarget"];
    if ((value as JsonObject)["__isSpecialProxy"] === true && target !== undefined) {
      return target as T;
    }
  }
  return value;
}

// Pulumi's marker for a secret value in serialized property maps (sdk/go/common/resource/
// sig/sig.go). @pulumi/policy hands rules the plaintext, but a plan file written by an offline
// script may still carry the marker.
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

/** True for a serialized Pulumi secret (`{ <sig>: <secret sig>, value }`). */
export function isSerializedSecret(value: unknown): value is { value?: unknown } {
  return isRecord(value) && value[SECRET_SIG_KEY] === SECRET_SIG_VALUE;
}

/** Parsed IAM policy document, or why it could not be read. */
export type ParsedDocument =
  | { kind: "document"; statements: JsonObject[] }
  | { kind: "absent" }
  | { kind: "invalid"; reason: string };

/**
 * Reads an IAM policy document given as a JSON string or an object (the AWS provider accepts
 * both; JSON strings are what `JSON.stringify`/`pulumi.jsonStringify` produce).
 */
export function parsePolicyDocument(value: unknown): ParsedDocument {
  if (value === undefined || value === null || value === "") return { kind: "absent" };
  let doc: unknown = value;
  if (typeof value === "string") {
    try {
      doc = JSON.parse(value);
    } catch {
      return { kind: "invalid", reason: "is not valid JSON" };
    }
  }
  if (isSerializedSecret(doc)) doc = doc.value;
  if (!isRecord(doc)) return { kind: "invalid", reason: "is not a JSON object" };
  const statements = asList(doc["Statement"]);
  if (!statements.every(isRecord)) {
    return { kind: "invalid", reason: "has a Statement that is not an object" };
  }
  return { kind: "document", statements };
}

/** A statement's label for messages: its Sid, else its position. */
export function statementLabel(statement: JsonObject, index: number): string {
  const sid = statement["Sid"];
  return typeof sid === "string" && sid !== "" ? `statement '${sid}'` : `statement #${index + 1}`;
}

/** True when the statement's Effect is Allow (IAM's default is none: Effect is required). */
export function isAllow(statement: JsonObject): boolean {
  return statement["Effect"] === "Allow";
}

/** The six fields of an ARN: `arn:<partition>:<service>:<region>:<account>:<resource>`. */
export interface ArnParts {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

/**
 * Splits an ARN into its fields (the resource part keeps its own `:` and `/`). Undefined when the
 * value does not start with `arn:` or has fewer than six fields. Fields are not validated here.
 */
export function splitArn(value: string): ArnParts | undefined {
  const m = /^arn:([^:]*):([^:]*):([^:]*):([^:]*):([\s\S]*)$/.exec(value);
  if (!m) return undefined;
  const [, partition = "", service = "", region = "", account = ""] = m;
  return { partition, service, region, account, resource: m[5] ?? "" };
}

/** `*` or `?`: IAM's wildcards (in ARNs and action names). */
export const WILDCARD_RE = /[*?]/;

/** Region field of an ARN: empty (global services) or a region name (core/ids.ts REGION). */
export const ARN_REGION_RE = new RegExp(`^(${REGION.source.slice(1, -1)})?$`);

/** Account field of an ARN: empty (S3, ...), a 12-digit account id, or `aws` (AWS managed). */
export const ARN_ACCOUNT_RE = /^(\d{12}|aws)?$/;

/** Partition field of an ARN: `aws`, `aws-cn`, `aws-us-gov`, ... */
export const ARN_PARTITION_RE = /^aws(-[a-z]+)*$/;
