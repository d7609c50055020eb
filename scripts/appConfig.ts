/**
 * The app config (v2): what an app team needs from a stack, validated and cross-checked. One
 * builder for both sources, the offline plan (`npm run plan`) and a real deployment's
 * `pulumi stack output --json` (`npm run app-config`), so both give the same JSON.
 *
 * Usage: pulumi stack output --json --stack dev | npm run app-config -- --stack dev
 *        npm run app-config -- --stack dev --file outputs.json [--out app-config.json]
 */
import { z } from "zod";
import {
  ACCESS_LEVELS,
  cognitoEndpoint,
  stsEndpoint,
  type AppConfig,
  type LoginRoute,
  type StackAppConfig,
} from "../core/appConfig";
import {
  COGNITO_LOGINS_KEY,
  IDENTITY_POOL_ID,
  REGION,
  WECHAT_APP_ID,
  regionOfId,
} from "../core/ids";
import {
  PARTITIONS,
  cognitoLoginsKeyOf,
  isPartitionId,
  partitionOfRegion,
  type PartitionId,
} from "../core/partition";
import { LOGIN_AUTHS, LOGIN_FLOWS } from "../core/vocabulary";
import { outputsCommand, processIo, runCli, writeTextFile, type Io } from "./cli";

/** A custom domain output: a bare host name, or an object carrying `domainName`. */
const domainOutput = z.union([z.string(), z.object({ domainName: z.string() })]);

/** The login API's custom domain, when the stack has one (any of these spellings). */
export const LOGIN_DOMAIN_OUTPUTS = {
  loginDomainName: domainOutput.optional(),
  loginDomain: domainOutput.optional(),
  loginHost: domainOutput.optional(),
  loginDefaultEndpointDisabled: z.boolean().optional(),
};

const appIds = z.array(z.string().regex(WECHAT_APP_ID, "not a WeChat AppID")).min(1);

const outputsSchema = z.object({
  identityPoolId: z.string().regex(IDENTITY_POOL_ID, "not an identity pool id"),
  region: z.string().regex(REGION, "not an AWS region"),
  partition: z.string().refine(isPartitionId, "not a supported partition (aws, aws-cn)"),
  loginsKey: z.string().regex(COGNITO_LOGINS_KEY, "not a Cognito logins key"),
  // Each login route the stack has (an app of its kind), with its apps' AppIDs.
  loginUrl: z.url({ protocol: /^https$/ }).optional(),
  loginAppIds: appIds.optional(),
  oauthLoginUrl: z.url({ protocol: /^https$/ }).optional(),
  oauthAppIds: appIds.optional(),
  loginFlow: z.enum(LOGIN_FLOWS),
  loginAuth: z.enum(LOGIN_AUTHS),
  guestRoleArn: z.string().optional(),
  ...LOGIN_DOMAIN_OUTPUTS,
  grants: z
    .object({
      storage: z.array(
        z.object({
          role: z.enum(["authenticated", "guest"]),
          bucket: z.string(),
          prefix: z.string(),
          access: z.enum(ACCESS_LEVELS),
          perIdentity: z.boolean(),
        }),
      ),
      tables: z.array(
        z.object({
          role: z.enum(["authenticated", "guest"]),
          table: z.string(),
          access: z.enum(ACCESS_LEVELS),
        }),
      ),
    })
    .optional(),
});

export class AppConfigError extends Error {
  override name = "AppConfigError";
  /** Each problem is one line naming the output and the fix. */
  constructor(readonly problems: string[]) {
    super(problems.join(" "));
  }
}

const OUTPUTS_FIX = "pass `pulumi stack output --json --stack <name>` of a deployed stack";

/** The custom domain host named by the outputs, if any. */
export function loginDomainOf(outputs: {
  loginDomainName?: z.infer<typeof domainOutput> | undefined;
  loginDomain?: z.infer<typeof domainOutput> | undefined;
  loginHost?: z.infer<typeof domainOutput> | undefined;
}): string | undefined {
  const d = outputs.loginDomainName ?? outputs.loginDomain ?? outputs.loginHost;
  const name = typeof d === "string" ? d : d?.domainName;
  return name === undefined || name === "" ? undefined : name.toLowerCase();
}

/** `<api id>.execute-api.<region>.<dnsSuffix>`: API Gateway's default host in that region. */
export function isExecuteApiHost(host: string, region: string, partition: PartitionId): boolean {
  const suffix = `.execute-api.${region}.${PARTITIONS[partition].dnsSuffix}`;
  return host.endsWith(suffix) && /^[a-z0-9]{10}$/.test(host.slice(0, -suffix.length));
}

const NO_ROUTE = "missing, and so is oauthLoginUrl: the outputs name no login route";
const hasLoginRoute = (o: unknown) =>
  typeof o === "object" && o !== null && ("loginUrl" in o || "oauthLoginUrl" in o);

/** The login routes: output names of each route's URL and AppIDs, and the config key. */
const ROUTES = [
  { url: "loginUrl", appIds: "loginAppIds", key: "login" },
  { url: "oauthLoginUrl", appIds: "oauthAppIds", key: "oauthLogin" },
] as const;

/**
 * Builds the app config from a stack's outputs. Throws an `AppConfigError` naming every missing,
 * malformed or inconsistent output, each with its fix. Outputs with a `loginUrl` (a mini-program
 * route) give an `AppConfig`, what the client kit takes.
 */
export function toAppConfig(stack: string, outputs: { loginUrl: string }): AppConfig;
export function toAppConfig(stack: string, outputs: unknown): StackAppConfig;
export function toAppConfig(stack: string, outputs: unknown): StackAppConfig {
  const parsed = outputsSchema.safeParse(outputs);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.join(".") || "outputs"}: ${i.message}`,
    );
    if (!hasLoginRoute(outputs)) problems.push(`loginUrl: ${NO_ROUTE}`);
    throw new AppConfigError([
      `Stack outputs of '${stack}' are not a cognito-devauth stack's outputs (${problems.join("; ")}). ` +
        `Fix: ${OUTPUTS_FIX}.`,
    ]);
  }
  const o = parsed.data;
  const partition = o.partition as PartitionId;
  const problems: string[] = [];
  const bad = (key: string, problem: string, fix: string) =>
    problems.push(`Stack outputs of '${stack}': ${key}: ${problem}. Fix: ${fix}.`);

  const expected = partitionOfRegion(o.region);
  const consistentRegion = expected === partition;
  if (!consistentRegion) {
    bad(
      "partition",
      `'${partition}' is not the partition of region '${o.region}' (${expected ?? "unsupported"})`,
      `${OUTPUTS_FIX}; the outputs are not one stack's`,
    );
  }
  if (regionOfId(o.identityPoolId) !== o.region) {
    bad(
      "identityPoolId",
      `'${o.identityPoolId}' is not a pool of region '${o.region}'`,
      `${OUTPUTS_FIX}; the pool id and the region must come from the same stack`,
    );
  }
  if (consistentRegion && o.loginsKey !== cognitoLoginsKeyOf(o.region)) {
    bad(
      "loginsKey",
      `'${o.loginsKey}' is not the Logins key of region '${o.region}' (${cognitoLoginsKeyOf(o.region)})`,
      "redeploy the stack with this version (the key comes from core/partition.ts)",
    );
  }
  const domain = loginDomainOf(o);
  if (!hasLoginRoute(o)) {
    bad(
      "loginUrl",
      NO_ROUTE,
      `${OUTPUTS_FIX}; a stack has a login route per kind of app it serves`,
    );
  }
  const routes: Partial<Record<(typeof ROUTES)[number]["key"], LoginRoute>> = {};
  for (const route of ROUTES) {
    const url = o[route.url];
    if (url === undefined) continue;
    const host = new URL(url).hostname.toLowerCase();
    if (domain !== undefined && host !== domain) {
      bad(
        route.url,
        `host '${host}' is not the login API's custom domain '${domain}'`,
        "the login URL must use the custom domain when the stack has one; redeploy the stack",
      );
    } else if (
      domain === undefined &&
      consistentRegion &&
      !isExecuteApiHost(host, o.region, partition)
    ) {
      bad(
        route.url,
        `host '${host}' is neither the API's execute-api host in ${o.region} nor a custom domain`,
        `${OUTPUTS_FIX}; a custom domain must also appear as the output loginDomainName`,
      );
    }
    const ids = o[route.appIds];
    if (ids === undefined) {
      bad(
        route.appIds,
        `missing, but ${route.url} is there: the app config names the apps of each route`,
        "redeploy the stack with this version (it outputs each route's AppIDs)",
      );
      continue;
    }
    routes[route.key] = { url, method: "POST", flow: o.loginFlow, auth: o.loginAuth, appIds: ids };
  }
  if (o.loginAuth === "iam" && o.guestRoleArn === undefined) {
    bad(
      "guestRoleArn",
      "missing, but loginAuth 'iam' needs guests to sign the login",
      "set allowGuests true (or loginAuth none) and redeploy the stack",
    );
  }
  const role = new RegExp(`^arn:${partition}:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}$`);
  if (consistentRegion && o.guestRoleArn !== undefined && !role.test(o.guestRoleArn)) {
    bad(
      "guestRoleArn",
      `'${o.guestRoleArn}' is not an IAM role ARN of partition ${partition}`,
      OUTPUTS_FIX,
    );
  }
  if (problems.length > 0) throw new AppConfigError(problems);

  return {
    stack,
    region: o.region,
    partition,
    identityPoolId: o.identityPoolId,
    loginsKey: o.loginsKey,
    cognitoEndpoint: cognitoEndpoint(partition, o.region),
    stsEndpoint: stsEndpoint(partition, o.region),
    guests: o.guestRoleArn !== undefined,
    ...(o.guestRoleArn !== undefined ? { guestRoleArn: o.guestRoleArn } : {}),
    ...routes,
    ...(o.grants && o.grants.storage.length > 0 ? { storage: o.grants.storage } : {}),
    ...(o.grants && o.grants.tables.length > 0 ? { tables: o.grants.tables } : {}),
  };
}

export const USAGE =
  "usage: pulumi stack output --json --stack <name> | npm run app-config -- --stack <name> [--out FILE]\n" +
  "       npm run app-config -- --stack <name> --file <outputs.json> [--out FILE]\n" +
  "Writes the app config (v2) of a deployed stack, after checking its outputs belong together.\n" +
  "Exit 0: written; 2: usage error, unreadable input or outputs that do not belong together.\n";

const run = outputsCommand("app-config", USAGE, ({ stack, outputs, out }, io) => {
  let config: StackAppConfig;
  try {
    config = toAppConfig(stack, outputs);
  } catch (err) {
    if (!(err instanceof AppConfigError)) throw err;
    for (const line of err.problems) io.stderr(`error: ${line}\n`);
    return 2;
  }
  const json = `${JSON.stringify(config, null, 2)}\n`;
  if (out === undefined) io.stdout(json);
  else writeTextFile(out, json);
  return 0;
});

/** Command line: stack outputs JSON (stdin or --file) in, app config JSON out. */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  return run(argv, io);
}

if (require.main === module) runCli(main);
