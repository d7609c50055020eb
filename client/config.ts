/**
 * The app config (v2) the stack hands app teams (`npm run app-config`, `plan/<stack>.app-config.json`),
 * checked before use so a wrong file fails with one line naming the key and the fix.
 */
import {
  ACCESS_LEVELS,
  GRANT_ROLES,
  type AppConfig,
  type StorageGrant,
  type TableGrant,
} from "../core/appConfig";
import { COGNITO_LOGINS_KEY, IDENTITY_POOL_ID, WECHAT_APP_ID, regionOfId } from "../core/ids";
import {
  isOneOf,
  LOGIN_AUTHS,
  LOGIN_FLOWS,
  type LoginAuth,
  type LoginFlow,
} from "../core/vocabulary";
import { AuthError } from "./errors";
import { isRecord } from "./http";

export type { AppConfig, StorageGrant, TableGrant };

const ROLES = GRANT_ROLES;
const ACCESS = ACCESS_LEVELS;

/** An optional list of grants, each checked for the fields a client uses. */
function grantList<T>(
  key: string,
  value: unknown,
  fields: Record<string, string>,
): T[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) return fail(key, "is not a list");
  value.forEach((item, i) => {
    if (!isRecord(item)) fail(`${key}[${i}]`, "is not an object");
    for (const [field, kind] of Object.entries(fields)) {
      const v = item[field];
      const ok =
        kind === "role"
          ? isOneOf(ROLES, v)
          : kind === "access"
            ? isOneOf(ACCESS, v)
            : typeof v === kind && v !== "";
      if (!ok) fail(`${key}[${i}].${field}`, "is missing or not valid");
    }
  });
  return value as T[];
}

const FIX = "Fix: use the JSON that `npm run app-config` writes for your stack.";

function fail(key: string, problem: string): never {
  throw new AuthError("CONFIG", `App config: '${key}' ${problem}. ${FIX}`);
}

/**
 * HTTPS, or plain HTTP to a loopback host only (a local emulator on the developer's machine):
 * credentials must never cross a network in the clear.
 */
function checkEndpoint(key: string, value: unknown): string {
  if (typeof value !== "string") return fail(key, "is missing");
  if (/^https:\/\/[^/?#\s]+(\/[^\s]*)?$/i.test(value)) return value;
  if (/^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?(\/[^\s]*)?$/i.test(value)) return value;
  return fail(key, "is not an https URL");
}

export function checkAppConfig(input: unknown): AppConfig {
  if (!isRecord(input)) return fail("(root)", "is not a JSON object");
  const c = input;
  const poolId = c["identityPoolId"];
  if (typeof poolId !== "string" || !IDENTITY_POOL_ID.test(poolId))
    fail("identityPoolId", "is not an identity pool id (<region>:<uuid>)");
  if (c["region"] !== regionOfId(poolId)) fail("region", "is not the identity pool's region");
  if (c["partition"] !== "aws" && c["partition"] !== "aws-cn")
    fail("partition", "is not aws or aws-cn");
  if (typeof c["loginsKey"] !== "string" || !COGNITO_LOGINS_KEY.test(c["loginsKey"]))
    fail("loginsKey", "is not a Cognito logins key");
  if (typeof c["guests"] !== "boolean") fail("guests", "is not true or false");
  const guestRoleArn = c["guestRoleArn"];
  const rolePrefix = `arn:${String(c["partition"])}:iam::`;
  if (
    c["guests"] &&
    (typeof guestRoleArn !== "string" ||
      !guestRoleArn.startsWith(rolePrefix) ||
      !/^\d{12}:role\/[\w+=,.@/-]+$/.test(guestRoleArn.slice(rolePrefix.length)))
  )
    fail(
      "guestRoleArn",
      "must be the guest role's ARN (in the stack's partition) when guests is true",
    );
  const login = c["login"];
  if (login === undefined)
    fail(
      "login",
      "is missing: the stack has no mini-program app, and this kit logs a mini-program in on " +
        "its route (POST /login/wechat). Add one to the stack (wechat, or a wechatApps entry of " +
        "kind miniprogram), redeploy, and write the config again",
    );
  if (!isRecord(login)) return fail("login", "is not an object");
  if (login["method"] !== "POST") fail("login.method", "is not POST");
  if (!isOneOf(LOGIN_FLOWS, login["flow"]))
    fail("login.flow", `is not one of ${LOGIN_FLOWS.join(", ")}`);
  if (!isOneOf(LOGIN_AUTHS, login["auth"]))
    fail("login.auth", `is not one of ${LOGIN_AUTHS.join(", ")}`);
  if (login["auth"] === "iam" && !c["guests"])
    fail("login.auth", "is iam, which needs guests (the guest role signs the login request)");
  const appIds = login["appIds"];
  if (
    !Array.isArray(appIds) ||
    appIds.length === 0 ||
    !appIds.every((id) => typeof id === "string" && WECHAT_APP_ID.test(id))
  )
    fail("login.appIds", "is not a list of the route's WeChat AppIDs (wx and 16 hex characters)");
  return {
    stack: typeof c["stack"] === "string" ? c["stack"] : "",
    region: c["region"],
    partition: c["partition"],
    identityPoolId: poolId,
    loginsKey: c["loginsKey"] as string,
    cognitoEndpoint: checkEndpoint("cognitoEndpoint", c["cognitoEndpoint"]),
    stsEndpoint: checkEndpoint("stsEndpoint", c["stsEndpoint"]),
    guests: c["guests"] as boolean,
    guestRoleArn: c["guests"] ? (guestRoleArn as string) : undefined,
    login: {
      url: checkEndpoint("login.url", login["url"]),
      method: "POST",
      flow: login["flow"] as LoginFlow,
      auth: login["auth"] as LoginAuth,
      appIds: [...(appIds as string[])],
    },
    storage: grantList<StorageGrant>("storage", c["storage"], {
      role: "role",
      bucket: "string",
      prefix: "string",
      access: "access",
      perIdentity: "boolean",
    }),
    tables: grantList<TableGrant>("tables", c["tables"], {
      role: "role",
      table: "string",
      access: "access",
    }),
  };
}
