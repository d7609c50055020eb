/**
 * Every setting of this project, each once: its schema, default, description, secrecy and the
 * fix its errors name. `parseConfig` reads the stack through this table, Pulumi.yaml is checked
 * against it and docs/configuration.md is generated from it (`npm run docs:config`). Settings
 * that depend on each other are checked by the named rules in ./rules.ts.
 *
 * Ranges come from the ground floor (core/): the login throttle caps are the policy pack's, so a
 * config this table accepts also passes the plan.
 */
import { z } from "zod";
import {
  DEFAULT_CREDENTIALS_DURATION_SECONDS,
  DEFAULT_LOGIN_FLOW,
  DEFAULT_TOKEN_DURATION_SECONDS,
  DEFAULT_USER_KEY,
} from "../../core/defaults";
import { DEVELOPER_PROVIDER_NAME, ICP_FILING_NUMBER, IDENTITY_POOL_NAME } from "../../core/ids";
import { PARTITIONS } from "../../core/partition";
import { LOG_RETENTION_DAYS, MAX_LOGIN_BURST_LIMIT, MAX_LOGIN_RATE_LIMIT } from "../../core/quotas";
import { LOGIN_AUTHS, LOGIN_FLOWS, POOL_CONDITIONS, USER_KEYS } from "../../core/vocabulary";
import { grants } from "./grants";
import { alarms, loginClientRateLimit, loginDomain } from "./structured";
import { wechat, wechatApps } from "./wechat";
import {
  flag,
  formatted,
  jsonFlag,
  oneOf,
  pathString,
  setting,
  wholeNumber,
  type ValueOf,
} from "./setting";

const set = (key: string, value: string) => `pulumi config set ${key} ${value}`;
const setPath = (path: string, value: string) =>
  `pulumi config set --path ${/["[]/.test(path) ? `'${path}'` : path} ${value}`;

/** AWS tag keys: 1..128 characters, not starting with the reserved `aws:` prefix. */
const TAG_KEY = /^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
/** A Cognito `SupportedLoginProviders` key: the provider's domain, e.g. accounts.google.com. */
const PROVIDER_DOMAIN = /^[a-z0-9]([a-z0-9.-]{0,126}[a-z0-9])?$/;

/** The table. Order is the order problems are reported in. */
export const TABLE = {
  developerProviderName: setting({
    type: "string",
    required: true,
    description:
      "Developer provider name of the identity pool, e.g. login.wechat.myapp (1-128 of " +
      "letters, digits, '.', '_', '-'). It can never change: changing it replaces the pool and " +
      "orphans every identity, which the pool's protection refuses.",
    fix: set("developerProviderName", "login.wechat.myapp"),
    schema: formatted(
      DEVELOPER_PROVIDER_NAME,
      "1-128 letters, digits, '.', '_' or '-', e.g. login.wechat.myapp; it can never change " +
        "once deployed (on a deployed stack, set it back to the deployed value)",
    ),
  }),
  identityPoolName: setting({
    type: "string",
    required: true,
    description:
      "Name of the identity pool (1-128 of letters, digits, spaces, + = , . @ _ -). Changing it " +
      "replaces the pool, which the pool's protection refuses.",
    fix: set("identityPoolName", "myapp_identities"),
    schema: formatted(
      IDENTITY_POOL_NAME,
      "1-128 letters, digits, spaces or + = , . @ _ -; changing it later replaces the pool",
    ),
  }),
  allowGuests: setting({
    type: "boolean",
    default: false,
    description:
      "Allow guest (unauthenticated) identities and create the guest role. Required for " +
      "loginAuth 'iam' and for upgrading a guest to a WeChat user.",
    fix: set("allowGuests", "true|false"),
    schema: flag,
  }),
  tokenDurationSeconds: setting({
    type: "integer",
    default: DEFAULT_TOKEN_DURATION_SECONDS,
    description: "Lifetime of the Cognito OpenID token the login API returns, 1 to 86400 seconds.",
    fix: `${set("tokenDurationSeconds", String(DEFAULT_TOKEN_DURATION_SECONDS))} (Cognito accepts 1 to 86400 seconds)`,
    schema: wholeNumber(1, 86400),
  }),
  loginFlow: setting({
    type: "string",
    default: DEFAULT_LOGIN_FLOW,
    description:
      "'enhanced': the login API returns IdentityId + OpenID token and the client calls " +
      "GetCredentialsForIdentity. 'basic': the login API also calls STS " +
      "AssumeRoleWithWebIdentity and returns temporary credentials (turns on the pool's " +
      "classic flow).",
    fix: set("loginFlow", DEFAULT_LOGIN_FLOW),
    schema: oneOf(LOGIN_FLOWS),
  }),
  credentialsDurationSeconds: setting({
    type: "integer",
    default: DEFAULT_CREDENTIALS_DURATION_SECONDS,
    description: "Lifetime of the basic flow's STS credentials, 900 to 43200 seconds.",
    fix: `${set("credentialsDurationSeconds", String(DEFAULT_CREDENTIALS_DURATION_SECONDS))} (STS accepts 900 to 43200 seconds)`,
    schema: wholeNumber(900, 43200),
  }),
  userKey: setting({
    type: "string",
    default: DEFAULT_USER_KEY,
    description:
      "Which WeChat id keys a user: 'unionid' (one identity across every app of your Open " +
      "Platform account; falls back to openid when WeChat returns no unionid) or 'openid' " +
      "(per app).",
    fix: set("userKey", DEFAULT_USER_KEY),
    schema: oneOf(USER_KEYS),
  }),
  wechat,
  wechatApps,
  cognitoTrustPrincipal: setting({
    type: "string",
    description:
      "Federated principal in the roles' trust policies. Default: cognito-identity.amazonaws.com " +
      "(every partition). Unverified for aws-cn (a Chinese AWS page shows " +
      "cognito-identity.cn-north-1.amazonaws.com.cn): override per stack if IAM rejects the " +
      "default, and run the smoke check.",
    fix: "pulumi config rm cognitoTrustPrincipal",
    schema: z.string(),
  }),
  cognitoTrustConditionKeyPrefix: setting({
    type: "string",
    description:
      "Prefix of the aud/amr condition keys in the trust policies. Default: the trust " +
      "principal's family default.",
    fix: "pulumi config rm cognitoTrustConditionKeyPrefix",
    schema: z.string(),
  }),
  supportedLoginProviders: setting({
    type: "map",
    default: {},
    description:
      "Social providers, domain -> app id, e.g. accounts.google.com. Facebook and Twitter are " +
      "refused in aws-cn. Default: none.",
    fix: setPath('supportedLoginProviders["accounts.google.com"]', "<client id>"),
    schema: z.record(
      z.string().regex(PROVIDER_DOMAIN, { message: "{key} is not a provider domain" }),
      pathString("must be an app id of 1-128 characters").pipe(
        z.string().min(1, { message: "must be an app id of 1-128 characters" }).max(128),
      ),
    ),
  }),
  cognitoIdentityProviders: setting({
    type: "list",
    default: [],
    description:
      "Cognito user pool providers, a list of { providerName, clientId, serverSideTokenCheck " +
      "(default true) }. Refused in aws-cn (no user pools). Default: none.",
    fix: setPath("cognitoIdentityProviders[0].providerName", "<cognito-idp provider>"),
    leaves: {
      providerName: {
        type: "string",
        required: true,
        description: "The user pool provider, cognito-idp.<region>.<dns suffix>/<user pool id>.",
        fix: setPath("cognitoIdentityProviders[0].providerName", "<cognito-idp provider>"),
      },
      clientId: {
        type: "string",
        required: true,
        description: "The user pool app client id.",
        fix: setPath("cognitoIdentityProviders[0].clientId", "<app client id>"),
      },
      serverSideTokenCheck: {
        type: "boolean",
        default: "true",
        description: "Check with the user pool that the token is still valid.",
        fix: setPath("cognitoIdentityProviders[0].serverSideTokenCheck", "true"),
      },
    },
    schema: z.array(
      z.strictObject({
        providerName: z.string({ message: "{key} is required: the provider name" }).min(1),
        clientId: pathString("{key} is required: the app client id").pipe(z.string().min(1)),
        serverSideTokenCheck: jsonFlag.default(true),
      }),
    ),
  }),
  tags: setting({
    type: "map",
    default: {},
    description: "Tags for every resource, a map; 'project' and 'stack' are always added.",
    fix: "pulumi config set --path tags.<key> <value>",
    schema: z.record(
      z.string().regex(TAG_KEY, { message: "{key} is not a valid tag key" }),
      pathString("must be a string").pipe(
        z.string().max(256, { message: "must be at most 256 characters" }),
      ),
    ),
  }),
  loginAuth: setting({
    type: "string",
    defaultOf: {
      of: (where) => (PARTITIONS[where.partition].publicApiNeedsIcp ? "iam" : "none"),
      text: "'iam' in aws-cn (the route needs no ICP filing; the stack still needs loginDomain), 'none' elsewhere",
    },
    description:
      "Login route authorization: 'none' (public) or 'iam' (SigV4, signed by this pool's guest " +
      "identities; needs allowGuests true). In AWS China every stack needs loginDomain, and a " +
      "public route also icpFilingNumber.",
    fix: set("loginAuth", "none|iam"),
    schema: oneOf(LOGIN_AUTHS),
  }),
  icpFilingNumber: setting({
    type: "string",
    description:
      "Your ICP filing number, e.g. 京ICP备12345678号-1; required for loginAuth 'none' in AWS " +
      "China. Default: none.",
    fix: set("icpFilingNumber", "<your ICP number>"),
    schema: z.string().regex(ICP_FILING_NUMBER, {
      message:
        "{key}: {value} is not an ICP filing number (e.g. 京ICP备12345678号 or 京ICP备12345678号-1)",
    }),
  }),
  loginDomain,
  loginRateLimit: setting({
    type: "integer",
    default: 40,
    description:
      "Steady requests/s of the login API stage, at most Cognito's " +
      `GetOpenIdTokenForDeveloperIdentity quota (${MAX_LOGIN_RATE_LIMIT}/s by default).`,
    fix: `${set("loginRateLimit", "40")} (requests per second, at most ${MAX_LOGIN_RATE_LIMIT})`,
    schema: wholeNumber(1, MAX_LOGIN_RATE_LIMIT),
  }),
  loginBurstLimit: setting({
    type: "integer",
    default: 40,
    description: `Burst size of the login API stage throttle, loginRateLimit to ${MAX_LOGIN_BURST_LIMIT}.`,
    fix: `${set("loginBurstLimit", "40")} (at most ${MAX_LOGIN_BURST_LIMIT})`,
    schema: wholeNumber(1, MAX_LOGIN_BURST_LIMIT),
  }),
  loginClientRateLimit,
  loginMemoryMb: setting({
    type: "integer",
    default: 256,
    description: "Memory of the login function, 128 to 10240 MB.",
    fix: set("loginMemoryMb", "256"),
    schema: wholeNumber(128, 10240),
  }),
  loginTimeoutSeconds: setting({
    type: "integer",
    default: 10,
    description: "Timeout of the login function, 5 to 29 seconds (HTTP APIs stop waiting at 30 s).",
    fix: `${set("loginTimeoutSeconds", "10")} (5 to 29: HTTP APIs time out after 30 s)`,
    schema: wholeNumber(5, 29),
  }),
  grants,
  principalTags: setting({
    type: "boolean",
    default: false,
    description:
      "Attributes for access control: the login function passes principal tags (appId, " +
      "userKeyKind) with each identity's token, the roles' trust policies allow sts:TagSession, " +
      "and grants may use aws:PrincipalTag/appId and aws:PrincipalTag/userKeyKind.",
    fix: set("principalTags", "true|false"),
    schema: flag,
  }),
  alarms,
  accountDeletionPoolCondition: setting({
    type: "string",
    default: "pinned",
    description:
      "How the account function's DeleteIdentities grant (on '*': the action has no resource " +
      "type) is scoped to the pool by the cognito-identity:IdentityPoolArn condition key: " +
      "'pinned' (StringEquals) or, in aws-cn only, 'if-present' (StringEqualsIfExists: " +
      "unscoped where a request lacks the key). That China sets the key is unverified: set " +
      "'if-present' only when the smoke check's account-deletion step fails there on a denied " +
      "DeleteIdentities.",
    fix: set("accountDeletionPoolCondition", "pinned"),
    schema: oneOf(POOL_CONDITIONS),
  }),
  logRetentionDays: setting({
    type: "integer",
    default: 30,
    description: "Retention of the function and access log groups, days (a CloudWatch Logs value).",
    fix: set("logRetentionDays", "30"),
    schema: wholeNumber(1, 3653).refine(
      (d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d),
      { message: `must be one of ${LOG_RETENTION_DAYS.join(", ")}` },
    ),
  }),
};

export type ConfigKey = keyof typeof TABLE;

/** The value of each setting, as the table gives it to a valid stack. */
export type Values = { [K in ConfigKey]: ValueOf<(typeof TABLE)[K]> };
