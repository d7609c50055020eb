/**
 * no-secret-in-lambda-env: no literal secret in a Lambda function's environment variables.
 *
 * Why: environment variables are readable by anyone with lambda:GetFunctionConfiguration and are
 * stored in the function configuration and the Pulumi state; the WeChat AppSecret and session_key
 * must live in Secrets Manager / SSM SecureString and be read at run time (docs/wechat.md,
 * "Secrets"; AWS Lambda Developer Guide, "Securing environment variables"). A Pulumi secret output
 * put into `environment.variables` is encrypted in Pulumi state but still plaintext in the
 * function configuration, so it is flagged too (policies receive it decrypted, and the value
 * checks below apply; a plan file that still carries the secret marker is flagged by that marker).
 * A JSON variable (WECHAT_APPS, the login function's list of apps) is judged field by field, so
 * a secret nested in one is no way around the rule.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES } from "./types";
import { isRecord, isSerializedSecret, isUnknown, raw } from "./util";

/** Names that suggest a secret. */
export const SECRET_NAME_RE =
  /secret|password|passwd|token|private|credential|session_?key|api_?key/i;
/**
 * Names that carry a reference to a secret, not the secret itself (e.g. WECHAT_SECRET_ARN, or a
 * JSON field `secretArn`).
 */
export const REFERENCE_NAME_RE = /(_(ARN|ID|NAME)|[a-z](Arn|Id|Name))$/i;

/** Values that look like secrets whatever the variable is called. */
const SECRET_VALUE_SHAPES: readonly { re: RegExp; what: string }[] = [
  // WeChat AppSecret: 32 lowercase hex characters.
  { re: /^[0-9a-f]{32}$/, what: "a WeChat AppSecret (32 hex characters)" },
  // AWS access key id (long-term AKIA / temporary ASIA).
  { re: /^(AKIA|ASIA)[A-Z0-9]{16}$/, what: "an AWS access key id" },
  // AWS secret access key: 40 base64 characters, mixed case and digits (a 40-hex git sha is not).
  {
    re: /^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)[A-Za-z0-9/+]{40}$/,
    what: "an AWS secret access key",
  },
  { re: /-----BEGIN [A-Z ]*PRIVATE KEY-----/, what: "a PEM private key" },
];

/** Values that are references or plain settings even under a secret-sounding name. */
function isHarmlessValue(value: string): boolean {
  return /^arn:[a-z0-9-]+:/.test(value) || /^\d+$/.test(value);
}

/**
 * The string fields of a JSON value (a variable such as WECHAT_APPS holds a list of objects), each
 * with its path (`[1].appSecret`), so a secret nested in a JSON variable is judged like a
 * variable of its own. Not JSON, or a JSON scalar: none.
 */
function jsonFields(value: string): [string, string][] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value) as unknown;
  } catch {
    return [];
  }
  const walk = (v: unknown, path: string): [string, string][] => {
    if (typeof v === "string") return [[path, v]];
    if (Array.isArray(v)) return v.flatMap((item, i) => walk(item, `${path}[${i}]`));
    if (isRecord(v)) return Object.entries(v).flatMap(([k, item]) => walk(item, `${path}.${k}`));
    return [];
  };
  return typeof parsed === "object" && parsed !== null ? walk(parsed, "") : [];
}

/** The last name of a path: `[1].appSecret` -> `appSecret`. */
const lastName = (path: string) => /([A-Za-z_][\w-]*)$/.exec(path)?.[1] ?? "";

export const noSecretInLambdaEnv: ResourceValidationPolicy = {
  name: "no-secret-in-lambda-env",
  description: "Lambda environment variables must not hold secrets; pass a secret's ARN instead.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.function) return;
    // raw(): variable names are enough for most checks, so an unknown value must not stop the rule.
    const environment = raw(args.props)["environment"];
    const variables = isRecord(environment) ? environment["variables"] : undefined;
    if (!isRecord(variables)) return;
    const fn = `Lambda function '${args.name}'`;
    const fix = `Store it in Secrets Manager and pass its ARN (e.g. a secretArn of WECHAT_APPS) instead.`;

    for (const [key, rawValue] of Object.entries(variables)) {
      if (isSerializedSecret(rawValue)) {
        reportViolation(
          `${fn} environment variable ${key} is a Pulumi secret, which is still plaintext in the ` +
            `function configuration. ${fix}`,
        );
        continue;
      }
      const value = typeof rawValue === "string" && !isUnknown(rawValue) ? rawValue : undefined;
      if (
        SECRET_NAME_RE.test(key) &&
        !REFERENCE_NAME_RE.test(key) &&
        !(value !== undefined && isHarmlessValue(value))
      ) {
        reportViolation(`${fn} environment variable ${key} looks like a literal secret. ${fix}`);
        continue;
      }
      const shape =
        value === undefined ? undefined : SECRET_VALUE_SHAPES.find((s) => s.re.test(value));
      if (shape) {
        reportViolation(
          `${fn} environment variable ${key} holds a value shaped like ${shape.what}. ${fix}`,
        );
        continue;
      }
      // A JSON variable: each string field by its own name and shape (never its value).
      for (const [path, field] of value === undefined ? [] : jsonFields(value)) {
        const name = lastName(path);
        const what = `${fn} environment variable ${key} field ${path}`;
        if (SECRET_NAME_RE.test(name) && !REFERENCE_NAME_RE.test(name) && !isHarmlessValue(field)) {
          reportViolation(`${what} looks like a literal secret. ${fix}`);
          continue;
        }
        const fieldShape = SECRET_VALUE_SHAPES.find((s) => s.re.test(field));
        if (fieldShape)
          reportViolation(`${what} holds a value shaped like ${fieldShape.what}. ${fix}`);
      }
    }
  },
};
