/**
 * The environment contract, read once per container through one fail-fast helper. The infra sets
 * exactly these names. Missing or invalid values throw at init (listing names, never values).
 *
 * WECHAT_APPS (the apps this stack serves; replaces WECHAT_APP_ID and WECHAT_SECRET_ARN): a JSON
 * array of 1..MAX_WECHAT_APPS `{"appId","kind","secretArn"}`, unique appIds, kind `miniprogram`
 * or `oauth`, secretArn a Secrets Manager secret ARN (not a secret itself). Order matters: the
 * first `miniprogram` entry is the default app of the mini-program route.
 *
 * Defaults (core/defaults.ts; so the function also runs under emulators and hand-written
 * environments):
 *   AWS_REGION                   <- AWS_DEFAULT_REGION when unset
 *   LOGINS_KEY                   <- from the region (core/partition.ts)
 *   USER_KEY                     <- DEFAULT_USER_KEY
 *   TOKEN_DURATION_SECONDS       <- DEFAULT_TOKEN_DURATION_SECONDS
 *   CREDENTIALS_DURATION_SECONDS <- DEFAULT_CREDENTIALS_DURATION_SECONDS (basic flow)
 *   PRINCIPAL_TAGS               <- false (true: pass appId and userKeyKind as principal tags)
 *   WECHAT_API_BASE_URL          <- DEFAULT_WECHAT_API_BASE_URL; https only, plain http only to
 *                                   loopback (test fakes): the AppSecret travels in the query
 */
import {
  COGNITO_LOGINS_KEY,
  DEVELOPER_PROVIDER_NAME,
  IDENTITY_POOL_ID,
  REGION,
  WECHAT_APP_ID,
  parseArn,
} from "../../core/ids";
import {
  DEFAULT_CREDENTIALS_DURATION_SECONDS,
  DEFAULT_TOKEN_DURATION_SECONDS,
  DEFAULT_USER_KEY,
  DEFAULT_WECHAT_API_BASE_URL,
} from "../../core/defaults";
import { cognitoLoginsKeyOf } from "../../core/partition";
import { MAX_WECHAT_APPS } from "../../core/quotas";
import {
  WECHAT_APP_KINDS,
  isOneOf,
  type LoginFlow,
  type WechatAppKind,
} from "../../core/vocabulary";

export type { LoginFlow, WechatAppKind };

/** One WeChat app of the stack (an entry of WECHAT_APPS). */
export interface WechatApp {
  readonly appId: string;
  readonly kind: WechatAppKind;
  /** Secrets Manager secret holding the app's AppSecret (SecretString). */
  readonly secretArn: string;
}

export interface LoginConfig {
  readonly flow: LoginFlow;
  readonly region: string;
  readonly identityPoolId: string;
  readonly developerProviderName: string;
  readonly tokenDurationSeconds: number;
  readonly loginsKey: string;
  readonly tableName: string;
  /** Every app the stack serves, in WECHAT_APPS order (1..MAX_WECHAT_APPS, unique appIds). */
  readonly wechatApps: readonly WechatApp[];
  /** The first mini-program of `wechatApps`: the app of a mini-program login without `appId`. */
  readonly defaultMiniProgram: WechatApp | undefined;
  readonly userKey: "unionid" | "openid";
  readonly wechatApiBaseUrl: string;
  /** Basic flow only. */
  readonly authenticatedRoleArn: string | undefined;
  /** Basic flow only. */
  readonly credentialsDurationSeconds: number | undefined;
  /** Pass principal tags (appId, userKeyKind) with each token: PRINCIPAL_TAGS=true. */
  readonly principalTags?: boolean;
}

/** What readConfig guarantees for the basic flow. */
export interface BasicLoginConfig extends LoginConfig {
  readonly flow: "basic";
  readonly authenticatedRoleArn: string;
  readonly credentialsDurationSeconds: number;
}

export type LoginConfigFor<F extends LoginFlow> = F extends "basic"
  ? BasicLoginConfig
  : LoginConfig;

export class EnvError extends Error {
  override readonly name = "EnvError";
}

type Env = Readonly<Record<string, string | undefined>>;

export function readConfig<F extends LoginFlow>(env: Env, flow: F): LoginConfigFor<F> {
  // Few helpers and few regexes: this runs at every cold start, where each function V8 compiles
  // costs ~7 us before it runs (functions/README.md, "Performance"). Problems are collected in
  // the order of the variables below and reported together.
  const problems: string[] = [];
  /** The value when set (not blank), else undefined. */
  const set = (name: string): string | undefined => {
    const v = env[name];
    return v !== undefined && v.trim() !== "" ? v : undefined;
  };
  const str = (name: string, pattern?: RegExp): string => {
    const v = set(name);
    if (v === undefined) problems.push(`${name} is not set`);
    else if (pattern && !pattern.test(v)) problems.push(`${name} is malformed`);
    return v ?? "";
  };
  const int = (name: string, min: number, max: number, fallback: number): number => {
    const raw = set(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer in ${min}..${max}`);
    }
    return n;
  };
  /** An optional variable that must be one of `values`. */
  const oneOf = <T extends string>(name: string, values: readonly T[], fallback: T): T => {
    const v = set(name);
    if (v === undefined) return fallback;
    if (!(values as readonly string[]).includes(v)) problems.push(`${name} is malformed`);
    return v as T;
  };

  const region = str(
    set("AWS_REGION") !== undefined || set("AWS_DEFAULT_REGION") === undefined
      ? "AWS_REGION"
      : "AWS_DEFAULT_REGION",
    REGION,
  ).trim();
  const identityPoolId = str("IDENTITY_POOL_ID", IDENTITY_POOL_ID);
  const developerProviderName = str("DEVELOPER_PROVIDER_NAME", DEVELOPER_PROVIDER_NAME);
  const tokenDurationSeconds = int(
    "TOKEN_DURATION_SECONDS",
    1,
    86400,
    DEFAULT_TOKEN_DURATION_SECONDS,
  );
  const loginsKey =
    set("LOGINS_KEY") !== undefined
      ? str("LOGINS_KEY", COGNITO_LOGINS_KEY)
      : defaultLoginsKey(region);
  const tableName = str("TABLE_NAME", /^[\w.-]{3,255}$/);
  const appsRaw = set("WECHAT_APPS");
  const wechatApps =
    appsRaw !== undefined
      ? readWechatApps(appsRaw, problems)
      : (problems.push("WECHAT_APPS is not set (it replaces WECHAT_APP_ID and WECHAT_SECRET_ARN)"),
        []);
  const userKey = oneOf("USER_KEY", USER_KEYS, DEFAULT_USER_KEY);
  let wechatApiBaseUrl = (set("WECHAT_API_BASE_URL") ?? DEFAULT_WECHAT_API_BASE_URL).trim();
  while (wechatApiBaseUrl.endsWith("/")) wechatApiBaseUrl = wechatApiBaseUrl.slice(0, -1);
  const baseProblem = wechatBaseUrlProblem(wechatApiBaseUrl);
  if (baseProblem) problems.push(`WECHAT_API_BASE_URL ${baseProblem}`);
  const principalTags = oneOf("PRINCIPAL_TAGS", BOOLEANS, "false") === "true";

  let authenticatedRoleArn: string | undefined;
  let credentialsDurationSeconds: number | undefined;
  if (flow === "basic") {
    authenticatedRoleArn = str("AUTHENTICATED_ROLE_ARN", /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/);
    credentialsDurationSeconds = int(
      "CREDENTIALS_DURATION_SECONDS",
      900,
      43200,
      DEFAULT_CREDENTIALS_DURATION_SECONDS,
    );
  }

  if (identityPoolId !== "" && region !== "" && !identityPoolId.startsWith(`${region}:`)) {
    problems.push("IDENTITY_POOL_ID is not in AWS_REGION");
  }
  if (problems.length > 0) {
    throw new EnvError(
      `Invalid environment for the ${flow} login function: ${problems.join("; ")}`,
    );
  }
  // The basic-flow fields are set (and valid) whenever flow is "basic": no problems were found.
  return {
    flow,
    region,
    identityPoolId,
    developerProviderName,
    tokenDurationSeconds,
    loginsKey,
    tableName,
    wechatApps,
    defaultMiniProgram: defaultMiniProgramOf(wechatApps),
    userKey,
    wechatApiBaseUrl,
    authenticatedRoleArn,
    credentialsDurationSeconds,
    principalTags,
  } as LoginConfigFor<F>;
}

const USER_KEYS = ["unionid", "openid"] as const;
const BOOLEANS = ["true", "false"] as const;

/** The first mini-program of `apps` (WECHAT_APPS order), if any. */
export function defaultMiniProgramOf(apps: readonly WechatApp[]): WechatApp | undefined {
  for (const a of apps) if (a.kind === "miniprogram") return a;
  return undefined;
}

/**
 * WECHAT_APPS, checked entry by entry; each problem is pushed naming the entry's index and field,
 * never a value.
 */
function readWechatApps(raw: string, problems: string[]): WechatApp[] {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    json = undefined;
  }
  if (!Array.isArray(json) || json.length < 1 || json.length > MAX_WECHAT_APPS) {
    problems.push(
      `WECHAT_APPS must be a JSON array of 1..${MAX_WECHAT_APPS} {"appId","kind","secretArn"} objects`,
    );
    return [];
  }
  const before = problems.length;
  const apps: WechatApp[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < json.length; i++) {
    const entry: unknown = json[i];
    const at = `WECHAT_APPS[${i}]`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      problems.push(`${at} is not an object`);
      continue;
    }
    const e = entry as Record<string, unknown>;
    for (const k in e) {
      if (k !== "appId" && k !== "kind" && k !== "secretArn") {
        problems.push(`${at} has keys other than appId, kind, secretArn`);
        break;
      }
    }
    const { appId, kind, secretArn } = e;
    if (typeof appId !== "string" || !WECHAT_APP_ID.test(appId)) {
      problems.push(`${at}.appId must be 'wx' and 16 lower-case hex characters`);
    } else if (seen.has(appId)) {
      problems.push(`${at}.appId repeats WECHAT_APPS[${seen.get(appId)}].appId`);
    } else {
      seen.set(appId, i);
    }
    const kindOk = isOneOf(WECHAT_APP_KINDS, kind);
    if (!kindOk) problems.push(`${at}.kind must be ${WECHAT_APP_KINDS.join(" or ")}`);
    if (typeof secretArn !== "string" || !isSecretArn(secretArn)) {
      problems.push(`${at}.secretArn must be a Secrets Manager secret ARN`);
    }
    if (typeof appId === "string" && kindOk)
      apps.push({ appId, kind, secretArn: String(secretArn) });
  }
  return problems.length === before ? apps : [];
}

function isSecretArn(value: string): boolean {
  const arn = parseArn(value);
  return arn?.service === "secretsmanager" && /^secret:[\w/+=.@-]+$/.test(arn.resource);
}

/** Hosts a plain-http WeChat base URL may name: the loopback interface (local test fakes). */
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Why `url` is not acceptable as the WeChat base URL (fixed text, never the value). */
function wechatBaseUrlProblem(url: string): string | undefined {
  if (!/^https?:\/\/[^/?#\s@]+(\/[^?#\s]*)?$/.test(url)) return "is malformed";
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "is malformed";
  }
  if (parsed.protocol === "http:" && !LOOPBACK_HOSTS.has(parsed.hostname)) {
    return "must use https:// (plain http only to 127.0.0.1, localhost or [::1]): the AppSecret travels in its query";
  }
  return undefined;
}

/**
 * The Logins key for GetCredentialsForIdentity when LOGINS_KEY is unset, from the partition table
 * (global: `cognito-identity.amazonaws.com`; China: `cognito-identity.<region>.amazonaws.com.cn`).
 */
export const defaultLoginsKey = cognitoLoginsKeyOf;
