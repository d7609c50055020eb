/**
 * Stack configuration: read once, validated, passed down typed. Components never read config.
 *
 * `parseConfig` is pure (raw strings in, typed config or a `ConfigError` naming every bad key and
 * its fix out) so it is tested without Pulumi; `loadConfig` is the only Pulumi-facing reader.
 * Every key is documented in Pulumi.yaml.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  DEVELOPER_PROVIDER_NAME as DEVELOPER_PROVIDER,
  ICP_FILING_NUMBER,
  IDENTITY_POOL_NAME as POOL_NAME,
  WECHAT_APP_ID,
} from "../core/ids";
import {
  COGNITO_TRUST_FAMILIES,
  GLOBAL_COGNITO_TRUST_PRINCIPAL,
  PARTITIONS,
  cognitoTrustFamilyOf,
  partitionOfRegion,
  type PartitionId,
  type TrustOverride,
} from "../core/partition";

export const PROJECT = "cognito-devauth";

import type { LoginAuth, LoginFlow, UserKey } from "../core/vocabulary";

/** A value that must never be printed: `String()` and `JSON.stringify` show `[secret]`. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  /** The secret itself, for the one place that stores it (Secrets Manager). */
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return "[secret]";
  }
  toJSON(): string {
    return "[secret]";
  }
}

export interface CognitoUserPoolProvider {
  providerName: string;
  clientId: string;
  serverSideTokenCheck: boolean;
}

export interface LoginApiConfig {
  /** Route authorization: public (`none`) or SigV4 by this pool's guests (`iam`). */
  auth: LoginAuth;
  /** ICP filing number; required for a public route (`auth: none`) in AWS China. */
  icpFilingNumber: string | undefined;
  rateLimit: number;
  burstLimit: number;
  memoryMb: number;
  timeoutSeconds: number;
  logRetentionDays: number;
}

export interface StackConfig {
  region: string;
  partition: PartitionId;
  developerProviderName: string;
  identityPoolName: string;
  allowGuests: boolean;
  tokenDurationSeconds: number;
  loginFlow: LoginFlow;
  credentialsDurationSeconds: number;
  userKey: UserKey;
  wechat: { appId: string; appSecret: Secret };
  trust: TrustOverride;
  supportedLoginProviders: Record<string, string>;
  cognitoIdentityProviders: CognitoUserPoolProvider[];
  tags: Record<string, string>;
  login: LoginApiConfig;
}

/** Raw config as Pulumi hands it to a program: full keys (`ns:key`) to strings (objects as JSON). */
export type RawConfig = Readonly<Record<string, string | undefined>>;

/** Secret config paths: the plan substitutes a marked placeholder when one is not set. */
export const SECRET_CONFIG = [
  { key: "wechat", path: "appSecret", what: "the WeChat mini-program AppSecret" },
] as const;

/** Valid CloudWatch Logs retention values (PutRetentionPolicy). */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

/**
 * Defaults of the optional scalar keys; Pulumi.yaml declares the same defaults (a test keeps them
 * equal). The login rate sits below Cognito's developer-identity quota of 50 requests/s
 * (docs/cognito.md, "Quotas").
 */
export const DEFAULTS = {
  allowGuests: false,
  tokenDurationSeconds: 900,
  loginFlow: "enhanced",
  credentialsDurationSeconds: 3600,
  userKey: "unionid",
  loginRateLimit: 40,
  loginBurstLimit: 40,
  loginMemoryMb: 256,
  loginTimeoutSeconds: 10,
  logRetentionDays: 30,
} as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

const setCmd = (key: string, value: string) => `pulumi config set ${key} ${value}`;

const boolean = z.enum(["true", "false"]).transform((v) => v === "true");
const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d+$/, { message: "must be a whole number" })
    .transform(Number)
    .pipe(z.number().min(min).max(max));

/** AWS tag keys: 1..128 characters, not starting with the reserved `aws:` prefix. */
const TAG_KEY = /^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;

/**
 * Validates raw config. Reports every problem at once, each naming the key and the fix, so a
 * `pulumi up` fails before any resource is touched.
 */
export interface ParseOptions {
  /**
   * Keys Pulumi holds as secrets (`ns:key`). When given, an AppSecret stored in plain text is
   * refused. `loadConfig` always gives them; pure value checks may leave them out.
   */
  secretKeys?: readonly string[];
}

export function parseConfig(raw: RawConfig, options: ParseOptions = {}): StackConfig {
  const problems: string[] = [];
  const k = (key: string) => `${PROJECT}:${key}`;

  function field<T>(key: string, schema: z.ZodType<T>, fallback: T, hint: string): T {
    const value = raw[k(key)];
    if (value === undefined) return fallback;
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    const message = result.error.issues[0]?.message ?? "is invalid";
    problems.push(`${k(key)}: ${message} (got '${value}'). Fix: ${hint}.`);
    return fallback;
  }

  function required(key: string, pattern: RegExp, describe: string, example: string): string {
    const value = raw[k(key)];
    if (value === undefined || value === "") {
      problems.push(`${k(key)} is required: ${describe}. Fix: ${setCmd(key, example)}.`);
      return example;
    }
    if (!pattern.test(value)) {
      problems.push(
        `${k(key)}: '${value}' is not valid: ${describe}. Fix: ${setCmd(key, example)}.`,
      );
    }
    return value;
  }

  function json(key: string, example: string): unknown {
    const value = raw[k(key)];
    if (value === undefined) return undefined;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      problems.push(`${k(key)}: expected an object, got '${value}'. Fix: ${example}.`);
      return undefined;
    }
  }

  // Region and partition first: several rules below depend on them.
  const region = raw["aws:region"];
  let partition: PartitionId = "aws";
  if (!region) {
    problems.push(
      "aws:region is required. Fix: pulumi config set aws:region us-east-1 (or cn-north-1).",
    );
  } else {
    const p = partitionOfRegion(region);
    if (!p) {
      problems.push(
        `aws:region: '${region}' is not in a supported partition (aws, aws-cn). ` +
          "Fix: pulumi config set aws:region <a commercial or China region>.",
      );
    } else {
      partition = p;
      const poolRegions = PARTITIONS[p].identityPoolRegions;
      if (poolRegions && !poolRegions.includes(region)) {
        problems.push(
          `aws:region: Cognito identity pools are not available in ${region}; in ${p} they exist ` +
            `only in ${poolRegions.join(", ")}. Fix: pulumi config set aws:region ${poolRegions[0]}.`,
        );
      }
    }
  }
  const info = PARTITIONS[partition];

  const developerProviderName = required(
    "developerProviderName",
    DEVELOPER_PROVIDER,
    "1-128 letters, digits, '.', '_' or '-', e.g. login.wechat.myapp; it can never change once " +
      "deployed (on a deployed stack, set it back to the deployed value)",
    "login.wechat.myapp",
  );
  const identityPoolName = required(
    "identityPoolName",
    POOL_NAME,
    "1-128 letters, digits, spaces or + = , . @ _ -; changing it later replaces the pool",
    "myapp_identities",
  );
  const allowGuests = field(
    "allowGuests",
    boolean,
    DEFAULTS.allowGuests as boolean,
    setCmd("allowGuests", "true|false"),
  );
  const tokenDurationSeconds = field(
    "tokenDurationSeconds",
    integer(1, 86400),
    DEFAULTS.tokenDurationSeconds,
    `${setCmd("tokenDurationSeconds", "900")} (Cognito accepts 1 to 86400 seconds)`,
  );
  const loginFlow = field<LoginFlow>(
    "loginFlow",
    z.enum(["enhanced", "basic"], { message: "must be 'enhanced' or 'basic'" }),
    DEFAULTS.loginFlow,
    setCmd("loginFlow", "enhanced"),
  );
  const credentialsDurationSeconds = field(
    "credentialsDurationSeconds",
    integer(900, 43200),
    DEFAULTS.credentialsDurationSeconds,
    `${setCmd("credentialsDurationSeconds", "3600")} (STS accepts 900 to 43200 seconds)`,
  );
  const userKey = field<UserKey>(
    "userKey",
    z.enum(["unionid", "openid"], { message: "must be 'unionid' or 'openid'" }),
    DEFAULTS.userKey,
    setCmd("userKey", "unionid"),
  );

  // WeChat: a structured key, set with `--path` so the AppSecret can be a secret leaf.
  const wechatRaw = json("wechat", "pulumi config set --path wechat.appId wx0123456789abcdef");
  const wechatShape = z.object({ appId: z.unknown(), appSecret: z.unknown() }).partial();
  const wechat = wechatShape.safeParse(wechatRaw ?? {});
  const appId = wechat.success ? wechat.data.appId : undefined;
  const appSecret = wechat.success ? wechat.data.appSecret : undefined;
  if (typeof appId !== "string" || !WECHAT_APP_ID.test(appId)) {
    problems.push(
      `${k("wechat")}.appId ${appId === undefined ? "is required" : `'${String(appId)}' is not valid`}: ` +
        "the mini-program AppID, 'wx' and 16 hex characters. " +
        "Fix: pulumi config set --path wechat.appId wx0123456789abcdef.",
    );
  }
  if (
    typeof appSecret === "string" &&
    options.secretKeys !== undefined &&
    !options.secretKeys.includes(k("wechat"))
  ) {
    // Never echo the value. A plain-text AppSecret sits in Pulumi.<stack>.yaml, i.e. in git.
    problems.push(
      `${k("wechat")}.appSecret is stored in plain text in the stack file. Fix: pulumi config ` +
        "set --path --secret wechat.appSecret <AppSecret>, and rotate the AppSecret if the file " +
        "was ever committed.",
    );
  } else if (typeof appSecret !== "string" || !/^\S{16,128}$/.test(appSecret)) {
    // Never echo the value: it is (or was meant to be) a secret.
    problems.push(
      `${k("wechat")}.appSecret ${appSecret === undefined ? "is required" : "is not valid"}: ` +
        "the mini-program AppSecret (16-128 characters, no spaces). " +
        "Fix: pulumi config set --path --secret wechat.appSecret <AppSecret>.",
    );
  }

  // Trust principal / condition-key prefix: unverified in aws-cn (docs/aws-china.md), so overridable,
  // but only with spellings an AWS document uses, and never mixing the global and China families.
  const trust: { -readonly [P in keyof TrustOverride]: TrustOverride[P] } = {};
  const principal = raw[k("cognitoTrustPrincipal")];
  const prefix = raw[k("cognitoTrustConditionKeyPrefix")];
  const family = cognitoTrustFamilyOf(principal ?? GLOBAL_COGNITO_TRUST_PRINCIPAL);
  if (principal !== undefined) {
    if (!family) {
      const known = COGNITO_TRUST_FAMILIES.flatMap((f) => f.principals).join(", ");
      problems.push(
        `${k("cognitoTrustPrincipal")}: '${principal}' is not a Cognito identity principal ` +
          `(known: ${known}). Fix: pulumi config rm cognitoTrustPrincipal for the default.`,
      );
    } else if (family.name === "china" && partition !== "aws-cn") {
      problems.push(
        `${k("cognitoTrustPrincipal")}: '${principal}' is an AWS China principal but the stack ` +
          `is in ${partition}. Fix: pulumi config rm cognitoTrustPrincipal.`,
      );
    } else {
      trust.principal = principal;
    }
  }
  if (prefix !== undefined && family) {
    if (!family.keyPrefixes.includes(prefix)) {
      problems.push(
        `${k("cognitoTrustConditionKeyPrefix")}: '${prefix}' does not go with principal ` +
          `'${principal ?? GLOBAL_COGNITO_TRUST_PRINCIPAL}' (use one of: ` +
          `${family.keyPrefixes.join(", ")}). Fix: ${setCmd("cognitoTrustConditionKeyPrefix", family.keyPrefixes[0] ?? "")}.`,
      );
    } else {
      trust.conditionKeyPrefix = prefix;
    }
  }

  const stringMap = z.record(z.string(), z.string());
  const providersRaw = json(
    "supportedLoginProviders",
    "pulumi config set --path 'supportedLoginProviders[\"accounts.google.com\"]' <client id>",
  );
  let supportedLoginProviders: Record<string, string> = {};
  if (providersRaw !== undefined) {
    const parsed = stringMap.safeParse(providersRaw);
    if (!parsed.success) {
      problems.push(
        `${k("supportedLoginProviders")}: expected a map of provider domain to app id. ` +
          "Fix: set it with pulumi config set --path.",
      );
    } else {
      supportedLoginProviders = parsed.data;
      for (const provider of Object.keys(parsed.data)) {
        if (info.unsupportedSocialProviders.includes(provider)) {
          problems.push(
            `${k("supportedLoginProviders")}: ${provider} is not supported by Cognito in ${partition}. ` +
              `Fix: pulumi config rm --path 'supportedLoginProviders["${provider}"]'.`,
          );
        }
      }
    }
  }

  const userPoolsRaw = json(
    "cognitoIdentityProviders",
    "pulumi config set --path 'cognitoIdentityProviders[0].providerName' <cognito-idp provider>",
  );
  let cognitoIdentityProviders: CognitoUserPoolProvider[] = [];
  if (userPoolsRaw !== undefined) {
    const parsed = z
      .array(
        z.object({
          providerName: z.string().min(1),
          clientId: z.string().min(1),
          serverSideTokenCheck: z.boolean().default(true),
        }),
      )
      .safeParse(userPoolsRaw);
    if (!parsed.success) {
      problems.push(
        `${k("cognitoIdentityProviders")}: expected a list of { providerName, clientId }. ` +
          "Fix: set it with pulumi config set --path.",
      );
    } else if (parsed.data.length > 0 && !info.userPools) {
      problems.push(
        `${k("cognitoIdentityProviders")}: Cognito user pools do not exist in ${partition}. ` +
          "Fix: pulumi config rm cognitoIdentityProviders (use the developer provider instead).",
      );
    } else {
      cognitoIdentityProviders = parsed.data;
    }
  }

  const tagsRaw = json("tags", "pulumi config set --path tags.team platform");
  let tags: Record<string, string> = {};
  if (tagsRaw !== undefined) {
    const parsed = stringMap.safeParse(tagsRaw);
    const badKey = parsed.success
      ? Object.keys(parsed.data).find((t) => !TAG_KEY.test(t))
      : undefined;
    if (!parsed.success || badKey !== undefined) {
      problems.push(
        `${k("tags")}: expected a map of tag key to string value` +
          (badKey !== undefined ? ` ('${badKey}' is not a valid tag key)` : "") +
          ". Fix: pulumi config set --path tags.<key> <value>.",
      );
    } else {
      tags = parsed.data;
    }
  }

  // The login API. Public routes in China need an ICP filing, so China defaults to `iam`.
  const login: LoginApiConfig = {
    auth: field<LoginAuth>(
      "loginAuth",
      z.enum(["none", "iam"], { message: "must be 'none' or 'iam'" }),
      info.publicApiNeedsIcp ? "iam" : "none",
      setCmd("loginAuth", "none|iam"),
    ),
    icpFilingNumber: raw[k("icpFilingNumber")] || undefined,
    rateLimit: field(
      "loginRateLimit",
      integer(1, 10000),
      DEFAULTS.loginRateLimit,
      `${setCmd("loginRateLimit", String(DEFAULTS.loginRateLimit))} (requests per second)`,
    ),
    burstLimit: field(
      "loginBurstLimit",
      integer(1, 5000),
      DEFAULTS.loginBurstLimit,
      setCmd("loginBurstLimit", String(DEFAULTS.loginBurstLimit)),
    ),
    memoryMb: field(
      "loginMemoryMb",
      integer(128, 10240),
      DEFAULTS.loginMemoryMb,
      setCmd("loginMemoryMb", "256"),
    ),
    timeoutSeconds: field(
      "loginTimeoutSeconds",
      integer(5, 29),
      DEFAULTS.loginTimeoutSeconds,
      `${setCmd("loginTimeoutSeconds", "10")} (5 to 29: HTTP APIs time out after 30 s)`,
    ),
    logRetentionDays: field(
      "logRetentionDays",
      integer(1, 3653).refine((d) => LOG_RETENTION_DAYS.includes(d), {
        message: `must be one of ${LOG_RETENTION_DAYS.join(", ")}`,
      }),
      DEFAULTS.logRetentionDays,
      setCmd("logRetentionDays", "30"),
    ),
  };

  if (login.icpFilingNumber !== undefined && !ICP_FILING_NUMBER.test(login.icpFilingNumber)) {
    problems.push(
      `${k("icpFilingNumber")}: '${login.icpFilingNumber}' is not an ICP filing number ` +
        `(e.g. 京ICP备12345678号 or 京ICP备12345678号-1). Fix: ${setCmd("icpFilingNumber", "<your ICP number>")}.`,
    );
  }
  if (login.auth === "iam" && !allowGuests) {
    problems.push(
      `${k("loginAuth")} is 'iam' but ${k("allowGuests")} is false: only this pool's guest ` +
        `identities can sign the login request. Fix: ${setCmd("allowGuests", "true")} or ` +
        `${setCmd("loginAuth", "none")}${info.publicApiNeedsIcp ? " (needs an ICP filing in China)" : ""}.`,
    );
  }
  if (login.auth === "none" && info.publicApiNeedsIcp && !login.icpFilingNumber) {
    problems.push(
      `${k("loginAuth")} is 'none' in ${partition}: API Gateway there serves unauthenticated ` +
        `requests only for accounts with an ICP filing. Fix: ${setCmd("loginAuth", "iam")} (with ` +
        `allowGuests true), or record your filing: ${setCmd("icpFilingNumber", "<ICP number>")}.`,
    );
  }
  if (login.burstLimit < login.rateLimit) {
    problems.push(
      `${k("loginBurstLimit")} (${login.burstLimit}) is below ${k("loginRateLimit")} ` +
        `(${login.rateLimit}): the bucket could never reach the steady rate. ` +
        `Fix: ${setCmd("loginBurstLimit", String(login.rateLimit))}.`,
    );
  }

  // A misspelt key would otherwise be silently ignored and its default used.
  for (const fullKey of Object.keys(raw)) {
    if (!fullKey.startsWith(`${PROJECT}:`)) continue;
    const key = fullKey.slice(PROJECT.length + 1);
    if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
      problems.push(
        `${fullKey} is not a setting of this project (see Pulumi.yaml for the list). ` +
          `Fix: pulumi config rm ${key}.`,
      );
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);

  return {
    region: region as string,
    partition,
    developerProviderName,
    identityPoolName,
    allowGuests,
    tokenDurationSeconds,
    loginFlow,
    credentialsDurationSeconds,
    userKey,
    wechat: { appId: appId as string, appSecret: new Secret(appSecret as string) },
    trust,
    supportedLoginProviders,
    cognitoIdentityProviders,
    tags,
    login,
  };
}

/** Every config key of this project, as documented in Pulumi.yaml (for the raw reader). */
export const CONFIG_KEYS = [
  "developerProviderName",
  "identityPoolName",
  "allowGuests",
  "tokenDurationSeconds",
  "loginFlow",
  "credentialsDurationSeconds",
  "userKey",
  "wechat",
  "cognitoTrustPrincipal",
  "cognitoTrustConditionKeyPrefix",
  "supportedLoginProviders",
  "cognitoIdentityProviders",
  "tags",
  "loginAuth",
  "icpFilingNumber",
  "loginRateLimit",
  "loginBurstLimit",
  "loginMemoryMb",
  "loginTimeoutSeconds",
  "logRetentionDays",
] as const;

/**
 * Reads this stack's configuration from Pulumi, once. A `ConfigError` becomes a `RunError`, which
 * Pulumi prints as a plain message (no stack trace) before any resource is touched.
 */
export function loadConfig(): StackConfig {
  const raw: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (key.startsWith(`${PROJECT}:`) || key === "aws:region") raw[key] = value;
  }
  // isConfigSecret is internal (absent from the .d.ts); it reads the secret keys the engine
  // passes to the program (PULUMI_CONFIG_SECRET_KEYS).
  const runtimeConfig = pulumi.runtime as unknown as { isConfigSecret(key: string): boolean };
  const secretKeys = Object.keys(raw).filter((key) => runtimeConfig.isConfigSecret(key));
  try {
    return parseConfig(raw, { secretKeys });
  } catch (err) {
    if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
}
