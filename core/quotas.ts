/**
 * Service quotas the stack is sized against: AWS defaults per account and region, adjustable on
 * request (docs/cognito.md, "Quotas"). Two stacks in one account and region share them.
 */

/** Amazon Cognito identity pool API rates, requests per second. */
export const COGNITO_RATE_QUOTAS = {
  /** Quota code L-0BF99E8D. Every login calls it once. */
  GetOpenIdTokenForDeveloperIdentity: 50,
  /** Every guest identity (and every re-login signed as a fresh guest) calls it once. */
  GetId: 25,
  GetCredentialsForIdentity: 200,
} as const;

/**
 * Highest login stage rate (requests/s) the config and the policy pack accept by default: the
 * developer-identity quota, since every login calls it once. Raise both (config and the pack's
 * `maxRateLimit`) only after AWS raises the quota.
 */
export const MAX_LOGIN_RATE_LIMIT = COGNITO_RATE_QUOTAS.GetOpenIdTokenForDeveloperIdentity;

/** Valid CloudWatch Logs retention values, days (PutRetentionPolicy API reference). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

/**
 * Highest login stage burst the config and the pack accept: a burst is served within a second,
 * so it meets the same per-second developer-identity quota as the rate.
 */
export const MAX_LOGIN_BURST_LIMIT = COGNITO_RATE_QUOTAS.GetOpenIdTokenForDeveloperIdentity;

/**
 * Highest per-client login limit (logins per client and minute) the config and the function
 * accept: one client at the whole stage's highest steady rate; a limit above it is moot.
 */
export const MAX_CLIENT_LOGINS_PER_MINUTE = MAX_LOGIN_RATE_LIMIT * 60;

/**
 * Most WeChat apps (mini-programs and OAuth apps together) one stack serves. Each app is one
 * entry of the login function's WECHAT_APPS variable (about 130 bytes with its secret's ARN), and
 * Lambda caps all environment variables of a function at 4 KB together (Lambda quotas), so ten
 * apps leave room for the other variables.
 */
export const MAX_WECHAT_APPS = 10;
