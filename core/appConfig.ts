/**
 * The app config (v2): what an app team needs from a stack. `scripts/appConfig.ts` writes it from
 * the stack's outputs; the client kit (`client/config.ts`) checks and reads it.
 */
import { PARTITIONS, type PartitionId } from "./partition";
import type { LoginAuth, LoginFlow } from "./vocabulary";

/** A login route of the stack: where to POST a WeChat code, and for which apps. */
export interface LoginRoute {
  readonly url: string;
  readonly method: "POST";
  /** `enhanced`: the response has identityId + token; `basic`: temporary credentials. */
  readonly flow: LoginFlow;
  /** `iam`: sign the request with basic-flow guest credentials (SigV4, execute-api). */
  readonly auth: LoginAuth;
  /**
   * AppIDs of the apps this route serves (AppIDs are public). On the mini-program route the first
   * is the default, what a body without `appId` means; the OAuth route needs `appId` in the body.
   */
  readonly appIds: readonly string[];
}

/**
 * The app config as the stack writes it: each login route present iff the stack has an app of
 * its kind (`login`: mini-programs, POST /login/wechat; `oauthLogin`: Open Platform mobile and
 * website apps, POST /login/wechat/oauth).
 */
export interface StackAppConfig {
  readonly stack: string;
  readonly region: string;
  readonly partition: PartitionId;
  readonly identityPoolId: string;
  /** Key of the Cognito token in GetCredentialsForIdentity's Logins map (regional in Beijing). */
  readonly loginsKey: string;
  /** `https://cognito-identity.<region>.<dnsSuffix>/` (or a proxy of it on the app's domain). */
  readonly cognitoEndpoint: string;
  /** `https://sts.<region>.<dnsSuffix>/`: regional, China has no global STS endpoint. */
  readonly stsEndpoint: string;
  /** Whether the app may get guest credentials (GetId + GetCredentialsForIdentity). */
  readonly guests: boolean;
  /** Present iff `guests`: the role basic-flow guest credentials assume to sign the login. */
  readonly guestRoleArn?: string | undefined;
  /** The mini-program route, iff the stack has a mini-program app. */
  readonly login?: LoginRoute | undefined;
  /** The OAuth route, iff the stack has an OAuth (mobile or website) app. */
  readonly oauthLogin?: LoginRoute | undefined;
  /**
   * S3 prefixes the stack grants (stack file `grants`): per identity, keys under
   * `<prefix>/<IdentityId>/`; shared, keys under `<prefix>/`, read-only. Present when granted.
   */
  readonly storage?: readonly StorageGrant[] | undefined;
  /** DynamoDB tables whose items keyed by the caller's IdentityId the app may use. */
  readonly tables?: readonly TableGrant[] | undefined;
}

/** An app config with the mini-program route: what the mini-program client kit takes. */
export interface AppConfig extends StackAppConfig {
  readonly login: LoginRoute;
}

export const GRANT_ROLES = ["authenticated", "guest"] as const;
export const ACCESS_LEVELS = ["read", "write", "read-write"] as const;
export type Access = (typeof ACCESS_LEVELS)[number];

/** Where an app keeps files: a bucket prefix, per identity (`<prefix>/<IdentityId>/`) or shared. */
export interface StorageGrant {
  readonly role: (typeof GRANT_ROLES)[number];
  readonly bucket: string;
  readonly prefix: string;
  readonly access: Access;
  readonly perIdentity: boolean;
}

/** An app table whose items are keyed by the caller's IdentityId. */
export interface TableGrant {
  readonly role: (typeof GRANT_ROLES)[number];
  readonly table: string;
  readonly access: Access;
}

/** Regional Cognito Identity endpoint of a region in a partition. */
export function cognitoEndpoint(partition: PartitionId, region: string): string {
  return `https://cognito-identity.${region}.${PARTITIONS[partition].dnsSuffix}/`;
}

/** Regional STS endpoint (AWS China has no global one). */
export function stsEndpoint(partition: PartitionId, region: string): string {
  return `https://sts.${region}.${PARTITIONS[partition].dnsSuffix}/`;
}
