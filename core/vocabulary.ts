/** The words the stack, the login function, the tools and the client kit share. */

/** `enhanced`: the login API returns IdentityId + token; `basic`: it returns STS credentials. */
export const LOGIN_FLOWS = ["enhanced", "basic"] as const;
export type LoginFlow = (typeof LOGIN_FLOWS)[number];

/** Login route authorization: public (`none`) or SigV4 by this pool's guests (`iam`). */
export const LOGIN_AUTHS = ["none", "iam"] as const;
export type LoginAuth = (typeof LOGIN_AUTHS)[number];

/** Which WeChat id keys a user: `unionid` (falls back to openid when absent) or `openid`. */
export const USER_KEYS = ["unionid", "openid"] as const;
export type UserKey = (typeof USER_KEYS)[number];

/**
 * Kinds of WeChat app a stack serves: `miniprogram` (wx.login codes on the mini-program route) and
 * `oauth` (mobile and website apps of the Open Platform, OAuth codes on the OAuth route).
 */
export const WECHAT_APP_KINDS = ["miniprogram", "oauth"] as const;
export type WechatAppKind = (typeof WECHAT_APP_KINDS)[number];

/** The two kinds of Cognito identity, as they appear in the `amr` claim. */
export const IDENTITY_KINDS = ["authenticated", "unauthenticated"] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];

export function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === "string" && (values as readonly string[]).includes(value);
}

/**
 * Tag that records the account's ICP filing number on a public API (and its custom domain) in
 * AWS China, where API Gateway serves unauthenticated requests only for ICP-filed accounts.
 */
export const ICP_FILING_TAG = "icp-filing";

/**
 * What the per-client login limiter counts by: the caller's source IP, or its guest IdentityId
 * when the route is SigV4-signed by guests (docs/abuse-protection.md, "The per-client limiter").
 */
export const CLIENT_KEYS = ["sourceIp", "identity"] as const;
export type ClientKey = (typeof CLIENT_KEYS)[number];

/**
 * How the account function's `DeleteIdentities` grant (on `*`: the action has no resource type)
 * is scoped to the pool by the `cognito-identity:IdentityPoolArn` condition key: `pinned`
 * (StringEquals, the default: a request without the key is denied) or `if-present`
 * (StringEqualsIfExists: pinned wherever the request carries the key, unscoped where it does
 * not). `if-present` is only for partitions where the key's presence is unverified (aws-cn) and
 * the smoke check's account-deletion step failed (docs/aws-china.md, "Cognito").
 */
export const POOL_CONDITIONS = ["pinned", "if-present"] as const;
export type PoolCondition = (typeof POOL_CONDITIONS)[number];

/** The IAM condition operator of each form. */
export const POOL_CONDITION_OPERATORS: Readonly<Record<PoolCondition, string>> = {
  pinned: "StringEquals",
  "if-present": "StringEqualsIfExists",
};
