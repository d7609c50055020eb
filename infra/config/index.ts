/**
 * Stack configuration: read once, validated, passed down typed. Components never read config.
 *
 * Every setting is one row of ./table.ts; `parseConfig` reads the stack through it, then applies
 * the rules between settings (./rules.ts). It is pure (raw strings in, typed config or a
 * `ConfigError` naming every bad key and its fix out) so it is tested without Pulumi;
 * `loadConfig` is the only Pulumi-facing reader. The full list: docs/configuration.md.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PartitionId, TrustOverride } from "../../core/partition";
import type {
  ClientKey,
  LoginAuth,
  LoginFlow,
  PoolCondition,
  UserKey,
  WechatAppKind,
} from "../../core/vocabulary";
import type { Grant } from "../iam/grants";
import { ConfigError, Secret } from "./errors";
import { readSetting } from "./read";
import { RULES, whereFrom, type RuleInput } from "./rules";
import { PROJECT, STRUCTURED, type Where } from "./setting";
import { CONFIG_KEYS, rowOf, SECRET_CONFIG } from "./keys";
import { TABLE, type ConfigKey, type Values } from "./table";

export { ConfigError, PROJECT, RULES, Secret, TABLE };
export type { ConfigKey, Values };

export interface CognitoUserPoolProvider {
  providerName: string;
  clientId: string;
  serverSideTokenCheck: boolean;
}

/** A custom domain of the login API (resources for it are built by the login API component). */
export interface LoginDomainConfig {
  domainName: string;
  /** ACM certificate of the stack's region and partition. */
  certificateArn: string;
  /** Route 53 zone for the alias record; without one, DNS is the owner's job. */
  hostedZoneId: string | undefined;
  /** Whether the API's execute-api endpoint is turned off, so only the domain serves it. */
  disableDefaultEndpoint: boolean;
}

export interface LoginApiConfig {
  /** Route authorization: public (`none`) or SigV4 by this pool's guests (`iam`). */
  auth: LoginAuth;
  /** ICP filing number; required for a public route (`auth: none`) in AWS China. */
  icpFilingNumber: string | undefined;
  /** Custom domain; required for a public route in AWS China. */
  domain: LoginDomainConfig | undefined;
  rateLimit: number;
  burstLimit: number;
  /** Per-client limit counted by the function (docs/abuse-protection.md); undefined: off. */
  clientRateLimit: { requestsPerMinute: number; key: ClientKey } | undefined;
  memoryMb: number;
  timeoutSeconds: number;
  logRetentionDays: number;
}

export interface WechatApp {
  appId: string;
  kind: WechatAppKind;
  appSecret: Secret;
  /**
   * The app of the `wechat` setting: its secret keeps the single-app stack's resource and name,
   * so upgrading a deployed stack replaces nothing.
   */
  legacy: boolean;
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
  /** The WeChat apps, in the login function's order: `wechat` first, then `wechatApps`. */
  wechatApps: WechatApp[];
  trust: TrustOverride;
  supportedLoginProviders: Record<string, string>;
  cognitoIdentityProviders: CognitoUserPoolProvider[];
  tags: Record<string, string>;
  login: LoginApiConfig;
  /** What each role may do (infra/iam/grants.ts). */
  grants: { authenticated: Grant[]; guest: Grant[] };
  /** Pass principal tags on each token (attributes for access control). */
  principalTags: boolean;
  /** Where alarms notify; undefined: alarms without actions. */
  alarms: { topicArn: string | undefined; email: string | undefined } | undefined;
  /** How the account function's DeleteIdentities grant names the pool (core/vocabulary.ts). */
  accountDeletionPoolCondition: PoolCondition;
}

/** Raw config as Pulumi hands it to a program: full keys (`ns:key`) to strings (objects as JSON). */
export type RawConfig = Readonly<Record<string, string | undefined>>;

export { CONFIG_KEYS, SECRET_CONFIG };

/** Static defaults of the scalar settings; Pulumi.yaml declares the same (a test keeps them so). */
export const DEFAULTS = Object.fromEntries(
  CONFIG_KEYS.flatMap((key) => {
    const row = rowOf(key);
    return row.default !== undefined && !STRUCTURED.includes(row.type) ? [[key, row.default]] : [];
  }),
) as Readonly<Record<string, string | number | boolean>>;

export interface ParseOptions {
  /**
   * Keys Pulumi holds as secrets (`ns:key`). When given, a secret field stored in plain text is
   * refused. `loadConfig` always gives them; pure value checks may leave them out.
   */
  secretKeys?: readonly string[];
}

/** Keys of the project namespace that no row declares: a misspelt key would silently default. */
function unknownKeys(raw: RawConfig): string[] {
  return Object.keys(raw)
    .filter((full) => full.startsWith(`${PROJECT}:`))
    .map((full) => full.slice(PROJECT.length + 1))
    .filter((key) => !(CONFIG_KEYS as string[]).includes(key))
    .map(
      (key) =>
        `${PROJECT}:${key} is not a setting of this project (see Pulumi.yaml for the list). ` +
        `Fix: pulumi config rm ${key}.`,
    );
}

/**
 * Validates raw config. Reports every problem at once, each naming the key and the fix, so a
 * `pulumi up` fails before any resource is touched.
 */
export function parseConfig(raw: RawConfig, options: ParseOptions = {}): StackConfig {
  const { where, problems } = whereFrom(raw);
  const values: Record<string, unknown> = {};
  const invalid = new Set<ConfigKey>();
  for (const key of CONFIG_KEYS) {
    const read = readSetting(key, rowOf(key), raw[`${PROJECT}:${key}`], {
      where,
      secretKeys: options.secretKeys,
    });
    values[key] = read.value;
    if (read.problems.length > 0) invalid.add(key);
    problems.push(...read.problems);
  }
  const input: RuleInput = { v: values as RuleInput["v"], where, invalid };
  for (const rule of RULES) problems.push(...rule.check(input));
  problems.push(...unknownKeys(raw));
  if (problems.length > 0) throw new ConfigError(problems);
  return toStackConfig(values as Values, where as Where & { region: string });
}

/** The typed config of a valid stack, shaped for the program. */
function toStackConfig(v: Values, where: Where & { region: string }): StackConfig {
  const domain = v.loginDomain;
  return {
    region: where.region,
    partition: where.partition,
    developerProviderName: v.developerProviderName,
    identityPoolName: v.identityPoolName,
    allowGuests: v.allowGuests,
    tokenDurationSeconds: v.tokenDurationSeconds,
    loginFlow: v.loginFlow,
    credentialsDurationSeconds: v.credentialsDurationSeconds,
    userKey: v.userKey,
    wechatApps: [
      ...(v.wechat
        ? [
            {
              appId: v.wechat.appId,
              kind: "miniprogram" as const,
              appSecret: new Secret(v.wechat.appSecret),
              legacy: true,
            },
          ]
        : []),
      ...v.wechatApps.map((a) => ({
        appId: a.appId,
        kind: a.kind,
        appSecret: new Secret(a.appSecret),
        legacy: false,
      })),
    ],
    trust: {
      ...(v.cognitoTrustPrincipal !== undefined ? { principal: v.cognitoTrustPrincipal } : {}),
      ...(v.cognitoTrustConditionKeyPrefix !== undefined
        ? { conditionKeyPrefix: v.cognitoTrustConditionKeyPrefix }
        : {}),
    },
    // Copies: the table's defaults are shared.
    supportedLoginProviders: { ...v.supportedLoginProviders },
    cognitoIdentityProviders: [...v.cognitoIdentityProviders],
    tags: { ...v.tags },
    grants: { authenticated: [...v.grants.authenticated], guest: [...v.grants.guest] },
    principalTags: v.principalTags,
    login: {
      auth: v.loginAuth,
      icpFilingNumber: v.icpFilingNumber,
      domain: domain && {
        domainName: domain.domainName,
        certificateArn: domain.certificateArn,
        hostedZoneId: domain.hostedZoneId,
        disableDefaultEndpoint: domain.disableDefaultEndpoint,
      },
      rateLimit: v.loginRateLimit,
      burstLimit: v.loginBurstLimit,
      clientRateLimit: v.loginClientRateLimit && { ...v.loginClientRateLimit },
      memoryMb: v.loginMemoryMb,
      timeoutSeconds: v.loginTimeoutSeconds,
      logRetentionDays: v.logRetentionDays,
    },
    alarms: v.alarms && { topicArn: v.alarms.topicArn, email: v.alarms.email },
    accountDeletionPoolCondition: v.accountDeletionPoolCondition,
  };
}

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
