/**
 * The environment contract, read once per container through one fail-fast helper. The infra sets
 * exactly these names. Missing or invalid values throw at init (listing names, never values).
 *
 * Defaults (so the function also runs under emulators and hand-written environments):
 *   AWS_REGION            <- AWS_DEFAULT_REGION when unset
 *   LOGINS_KEY            <- cognito-identity.amazonaws.com, or
 *                            cognito-identity.<region>.amazonaws.com.cn in cn-* regions
 *   USER_KEY              <- unionid
 *   TOKEN_DURATION_SECONDS <- 900 (Cognito's own default)
 *   WECHAT_API_BASE_URL   <- https://api.weixin.qq.com
 */
import {
  COGNITO_LOGINS_KEY,
  DEVELOPER_PROVIDER_NAME,
  IDENTITY_POOL_ID,
  REGION,
  WECHAT_APP_ID,
} from "../../core/ids";
import { cognitoLoginsKeyOf } from "../../core/partition";

import type { LoginFlow } from "../../core/vocabulary";

export type { LoginFlow };

export interface LoginConfig {
  readonly flow: LoginFlow;
  readonly region: string;
  readonly identityPoolId: string;
  readonly developerProviderName: string;
  readonly tokenDurationSeconds: number;
  readonly loginsKey: string;
  readonly tableName: string;
  readonly wechatAppId: string;
  readonly wechatSecretId: string;
  readonly userKey: "unionid" | "openid";
  readonly wechatApiBaseUrl: string;
  /** Basic flow only. */
  readonly authenticatedRoleArn: string | undefined;
  /** Basic flow only. */
  readonly credentialsDurationSeconds: number | undefined;
}

export class EnvError extends Error {
  override readonly name = "EnvError";
}

type Env = Readonly<Record<string, string | undefined>>;

export function readConfig(env: Env, flow: LoginFlow): LoginConfig {
  const problems: string[] = [];
  const str = (name: string, pattern?: RegExp): string => {
    const v = env[name];
    if (v === undefined || v.trim() === "") {
      problems.push(`${name} is not set`);
      return "";
    }
    if (pattern && !pattern.test(v)) problems.push(`${name} is malformed`);
    return v;
  };
  const isSet = (name: string): boolean => {
    const v = env[name];
    return v !== undefined && v.trim() !== "";
  };
  const int = (name: string, min: number, max: number, fallback?: number): number => {
    if (fallback !== undefined && !isSet(name)) return fallback;
    const raw = str(name);
    if (raw === "") return 0;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer in ${min}..${max}`);
    }
    return n;
  };

  const region = str(
    isSet("AWS_REGION") || !isSet("AWS_DEFAULT_REGION") ? "AWS_REGION" : "AWS_DEFAULT_REGION",
    REGION,
  ).trim();
  const identityPoolId = str("IDENTITY_POOL_ID", IDENTITY_POOL_ID);
  const developerProviderName = str("DEVELOPER_PROVIDER_NAME", DEVELOPER_PROVIDER_NAME);
  const tokenDurationSeconds = int("TOKEN_DURATION_SECONDS", 1, 86400, 900);
  const loginsKey = isSet("LOGINS_KEY")
    ? str("LOGINS_KEY", COGNITO_LOGINS_KEY)
    : defaultLoginsKey(region);
  const tableName = str("TABLE_NAME", /^[\w.-]{3,255}$/);
  const wechatAppId = str("WECHAT_APP_ID", WECHAT_APP_ID);
  const wechatSecretId = str("WECHAT_SECRET_ARN");
  const userKeyRaw = isSet("USER_KEY") ? str("USER_KEY", /^(unionid|openid)$/) : "unionid";
  const userKey = userKeyRaw === "openid" ? "openid" : "unionid";
  const baseRaw = env["WECHAT_API_BASE_URL"];
  const wechatApiBaseUrl = (
    baseRaw && baseRaw.trim() !== "" ? baseRaw : "https://api.weixin.qq.com"
  )
    .trim()
    .replace(/\/+$/, "");
  if (!/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(wechatApiBaseUrl)) {
    problems.push("WECHAT_API_BASE_URL is malformed");
  }

  let authenticatedRoleArn: string | undefined;
  let credentialsDurationSeconds: number | undefined;
  if (flow === "basic") {
    authenticatedRoleArn = str("AUTHENTICATED_ROLE_ARN", /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/);
    credentialsDurationSeconds = int("CREDENTIALS_DURATION_SECONDS", 900, 43200);
  }

  if (identityPoolId !== "" && region !== "" && !identityPoolId.startsWith(`${region}:`)) {
    problems.push("IDENTITY_POOL_ID is not in AWS_REGION");
  }
  if (problems.length > 0) {
    throw new EnvError(
      `Invalid environment for the ${flow} login function: ${problems.join("; ")}`,
    );
  }
  return {
    flow,
    region,
    identityPoolId,
    developerProviderName,
    tokenDurationSeconds,
    loginsKey,
    tableName,
    wechatAppId,
    wechatSecretId,
    userKey,
    wechatApiBaseUrl,
    authenticatedRoleArn,
    credentialsDurationSeconds,
  };
}

/**
 * The Logins key for GetCredentialsForIdentity when LOGINS_KEY is unset, from the partition table
 * (global: `cognito-identity.amazonaws.com`; China: `cognito-identity.<region>.amazonaws.com.cn`).
 */
export const defaultLoginsKey = cognitoLoginsKeyOf;
