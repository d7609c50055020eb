/**
 * Defaults shared by the stack config and the login function, each written once. The stack
 * always sets the function's environment explicitly; the function falls back to the same values.
 */
import type { LoginFlow, UserKey } from "./vocabulary";

/** Lifetime of the Cognito OpenID token, seconds (Cognito's own default is 900). */
export const DEFAULT_TOKEN_DURATION_SECONDS = 900;
/** Lifetime of basic-flow STS credentials, seconds (the role's MaxSessionDuration default). */
export const DEFAULT_CREDENTIALS_DURATION_SECONDS = 3600;
export const DEFAULT_LOGIN_FLOW: LoginFlow = "enhanced";
export const DEFAULT_USER_KEY: UserKey = "unionid";
/** WeChat's API host; the function accepts another only over HTTPS (or loopback, for tests). */
export const DEFAULT_WECHAT_API_BASE_URL = "https://api.weixin.qq.com";
