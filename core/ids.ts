/**
 * Identifier formats, each defined once and shared by the stack's config, the login function,
 * the policy pack and the tools. Real AWS and WeChat formats only: tests and emulators use
 * realistic ids rather than loosening these.
 *
 * Sources: docs/cognito.md ("Identifier formats") and docs/wechat.md.
 */

/** A commercial or China AWS region name: `us-east-1`, `cn-north-1`, `ap-southeast-2`. */
export const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

/** Cognito IdentityPoolId: `<region>:<uuid>` (CreateIdentityPool API reference). */
export const IDENTITY_POOL_ID = new RegExp(`^[a-z]{2}(-[a-z]+)+-\\d+:${UUID}$`);

/** Cognito IdentityId: `<region>:<uuid>`, the same shape as a pool id (GetId API reference). */
export const IDENTITY_ID = IDENTITY_POOL_ID;

/** The region part of a pool or identity id (`cn-north-1` of `cn-north-1:<uuid>`). */
export function regionOfId(id: string): string {
  return id.slice(0, Math.max(0, id.indexOf(":")));
}

/** True for an IdentityId of the pool `identityPoolId` (same region, real format). */
export function isIdentityIdOfPoolRegion(identityId: unknown, identityPoolId: string): boolean {
  return (
    typeof identityId === "string" &&
    IDENTITY_ID.test(identityId) &&
    regionOfId(identityId) === regionOfId(identityPoolId)
  );
}

/** Cognito DeveloperProviderName: 1..128 of `[\w._-]` (CreateIdentityPool API reference). */
export const DEVELOPER_PROVIDER_NAME = /^[\w.-]{1,128}$/;

/** Cognito IdentityPoolName: 1..128 of `[\w\s+=,.@-]` (CreateIdentityPool API reference). */
export const IDENTITY_POOL_NAME = /^[\w\s+=,.@-]{1,128}$/;

/** WeChat AppID: `wx` followed by 16 lowercase hex characters. */
export const WECHAT_APP_ID = /^wx[0-9a-f]{16}$/;

/** Key of the Cognito token in a `Logins` map: `cognito-identity.<...>`. */
export const COGNITO_LOGINS_KEY = /^cognito-identity\.[a-z0-9.-]+$/;

/**
 * An ICP filing (ICP备) or licence (ICP证) number: `<province>ICP备<digits>号`, optionally
 * `-<site number>`, e.g. `京ICP备12345678号`, `京ICP备12345678号-1`, `沪ICP证123456号` (MIIT filing
 * system). A public API in AWS China is served only for accounts with one.
 */
export const ICP_FILING_NUMBER = /^[\u4e00-\u9fa5]ICP[备证]\d{6,8}号(-\d+)?$/;

/** True for a string in the ICP filing number format. */
export function isIcpFilingNumber(value: unknown): value is string {
  return typeof value === "string" && ICP_FILING_NUMBER.test(value);
}

/**
 * A fully qualified DNS name in lower case, e.g. `login.myapp.cn` (RFC 1035 labels; IDN labels in
 * their `xn--` form). A custom domain of the login API.
 */
export const DNS_NAME =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/** A Route 53 hosted zone id: `Z` and upper-case letters or digits (Route 53 API reference). */
export const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,32}$/;

/** An ARN split into its parts: `arn:<partition>:<service>:<region>:<account>:<resource>`. */
export const ARN =
  /^arn:(?<partition>[a-z-]+):(?<service>[a-z0-9-]+):(?<region>[a-z0-9-]*):(?<account>\d{12}|):(?<resource>.+)$/;

/**
 * An SNS standard topic ARN (1-256 letters, digits, '-', '_'; SNS API reference, CreateTopic).
 * Alarms notify standard topics only, so no `.fifo` suffix.
 */
export const SNS_TOPIC_ARN = /^arn:[a-z-]+:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/;

/** An email address as SNS takes it for an `email` subscription: local@domain.tld. */
export const EMAIL_ADDRESS = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;

/** Resource part of an ACM certificate ARN: `certificate/<uuid>`. */
export const ACM_CERTIFICATE_RESOURCE = new RegExp(`^certificate/${UUID}$`);

/** The parts of an ARN, or undefined for a string that is not one. */
export function parseArn(
  value: string,
):
  | { partition: string; service: string; region: string; account: string; resource: string }
  | undefined {
  const groups = ARN.exec(value)?.groups;
  if (!groups) return undefined;
  const { partition = "", service = "", region = "", account = "", resource = "" } = groups;
  return { partition, service, region, account, resource };
}

/**
 * 1..128 printable ASCII characters, no spaces: a wx.login / OAuth code as the login API takes it
 * (wx.login codes are 32 characters: some slack, but no whitespace or control characters), and
 * the shape of real openids and unionids. One pattern for both: each regex a first login
 * compiles costs ~75 k instructions (functions/README.md, "Performance").
 */
export const PRINTABLE_ASCII_TOKEN = /^[\x21-\x7e]{1,128}$/;
