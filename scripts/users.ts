/**
 * `npm run users -- show|delete`: the support engineer's view of a user (docs/users.md,
 * "Operator commands"), with the deployer's AWS credentials and the stack outputs.
 *
 *   pulumi stack output --json | npm run users -- show --identity-id <IdentityId>
 *   pulumi stack output --json | npm run users -- show --app-id wx... --openid <openid>
 *   pulumi stack output --json | npm run users -- delete --unionid <unionid> --yes
 *
 * Prints the IdentityId, its developer logins as kinds (values only with --reveal), its rows'
 * timestamps. Never a secret, never more personal data than was asked for.
 */
import { CognitoIdentityClient } from "@aws-sdk/client-cognito-identity";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { z } from "zod";
import {
  DEVELOPER_PROVIDER_NAME,
  IDENTITY_ID,
  IDENTITY_POOL_ID,
  REGION,
  isIdentityIdOfPoolRegion,
  WECHAT_APP_ID,
} from "../core/ids";
import { deleteAccount } from "../functions/account/deleteAccount";
import { openidKey, unionidKey } from "../functions/login/login";
import { CliError, guarded, parseCli, processIo, readOutputsJson, runCli, type Io } from "./cli";
import {
  describeIdentity,
  identityOfLogin,
  loginKind,
  makeAccountIdentity,
  makeAccountTable,
  type Clients,
  type IdentityReport,
  type StackTarget,
} from "./usersStore";

const USAGE = `usage: pulumi stack output --json | npm run users -- <show|delete> <user> [options]
  <user> is one of:
    --identity-id <IdentityId>
    --app-id <wx AppID> --openid <openid>
    --unionid <unionid>
Options:
    --file <outputs.json>  stack outputs from a file instead of standard input
    --reveal               show: print developer login values (personal data), not only kinds
    --yes                  delete: required; deletes the identity, its logins and rows
show prints the IdentityId, its developer logins (as kinds) and its rows' timestamps.
delete unlinks the logins, deletes the identity in Cognito and its mapping rows (idempotent).
Uses the default AWS credentials (deployer); permissions: docs/users.md, "Operator commands".
Exit 0: done; 1: no such user (show); 2: usage, outputs or AWS error.`;

const SPEC = {
  command: "users",
  usage: USAGE,
  options: {
    "identity-id": { type: "string" },
    "app-id": { type: "string" },
    openid: { type: "string" },
    unionid: { type: "string" },
    file: { type: "string" },
    reveal: { type: "boolean" },
    yes: { type: "boolean" },
  },
} as const;

const HELP = "see `npm run users -- --help`";

const appIds = z.array(z.string().regex(WECHAT_APP_ID)).optional();
const outputsSchema = z.object({
  region: z.string().regex(REGION),
  identityPoolId: z.string().regex(IDENTITY_POOL_ID),
  tableName: z.string().min(1),
  developerProviderName: z.string().regex(DEVELOPER_PROVIDER_NAME),
  // The stack's apps by route (absent in outputs of stacks deployed before several apps).
  loginAppIds: appIds,
  oauthAppIds: appIds,
});

/** The AppIDs the stack's outputs name (mini-programs and OAuth apps), if they name any. */
export function appIdsOf(outputs: unknown): string[] | undefined {
  const parsed = outputsSchema.safeParse(outputs);
  if (!parsed.success) return undefined;
  const { loginAppIds, oauthAppIds } = parsed.data;
  return loginAppIds || oauthAppIds ? [...(loginAppIds ?? []), ...(oauthAppIds ?? [])] : undefined;
}

export function targetOf(outputs: unknown): StackTarget {
  const parsed = outputsSchema.safeParse(outputs);
  if (!parsed.success) {
    const key = parsed.error.issues[0]?.path.join(".") || "(root)";
    throw new CliError(
      `stack outputs lack a valid ${key}. Fix: pipe \`pulumi stack output --json\` of a deployed stack.`,
    );
  }
  const { region, identityPoolId, tableName, developerProviderName } = parsed.data;
  return { region, identityPoolId, tableName, developerProviderName };
}

type Flags = NonNullable<ReturnType<typeof parseCli<typeof SPEC.options>>>;

/** The user asked about: an IdentityId, or a developer user id to resolve through Cognito. */
function subjectOf(flags: Flags): { identityId: string } | { login: string } {
  const given = [
    flags["identity-id"] !== undefined,
    flags["app-id"] !== undefined || flags.openid !== undefined,
    flags.unionid !== undefined,
  ].filter(Boolean).length;
  if (given !== 1) {
    throw new CliError(
      `name exactly one user (--identity-id, --app-id with --openid, or --unionid). Fix: ${HELP}`,
    );
  }
  if (flags["identity-id"] !== undefined) {
    if (!IDENTITY_ID.test(flags["identity-id"])) {
      throw new CliError(`--identity-id is not an IdentityId (<region>:<uuid>). Fix: ${HELP}`);
    }
    return { identityId: flags["identity-id"] };
  }
  if (flags.unionid !== undefined) {
    if (flags.unionid === "") throw new CliError(`--unionid is empty. Fix: ${HELP}`);
    return { login: unionidKey(flags.unionid) };
  }
  const appId = flags["app-id"];
  if (appId === undefined || !WECHAT_APP_ID.test(appId)) {
    throw new CliError(`--app-id must be a WeChat AppID (wx + 16 hex digits). Fix: ${HELP}`);
  }
  if (!flags.openid) throw new CliError(`--openid is required with --app-id. Fix: ${HELP}`);
  return { login: openidKey(appId, flags.openid) };
}

export function renderReport(r: IdentityReport, reveal: boolean): string {
  const lines = [`identityId: ${r.identityId}${r.exists ? "" : " (not in Cognito)"}`];
  if (r.creationDate) lines.push(`created: ${r.creationDate}`);
  if (r.lastModifiedDate) lines.push(`lastModified: ${r.lastModifiedDate}`);
  lines.push(`developer logins: ${r.logins.length}`);
  for (const l of r.logins) lines.push(`  - ${loginKind(l)}${reveal ? `: ${l}` : ""}`);
  lines.push(`mapping rows: ${r.rows.length}`);
  for (const row of r.rows) {
    const linked = r.logins.includes(row.pk) ? "" : " (stale: Cognito does not link it)";
    lines.push(
      `  - ${loginKind(row.pk)}${reveal ? `: ${row.pk}` : ""}: created ${row.createdAt ?? "?"}, ` +
        `last login ${row.lastLoginAt ?? "?"}${linked}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

export function defaultClients(region: string): Clients {
  return {
    cognito: new CognitoIdentityClient({ region, maxAttempts: 3 }),
    dynamodb: new DynamoDBClient({ region, maxAttempts: 3 }),
  };
}

export async function main(
  argv: string[],
  io: Io = processIo,
  makeClients: (region: string) => Clients = defaultClients,
): Promise<number> {
  return guarded(io, async () => {
    const [verb, ...rest] = argv;
    if (verb === "--help" || verb === "-h") {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    if (verb !== "show" && verb !== "delete") {
      const what = verb === undefined ? "no command" : `unknown command ${verb}`;
      throw new CliError(`${what}: use show or delete. Fix: ${HELP}`);
    }
    const flags = parseCli(rest, SPEC, io);
    if (!flags) return 0;
    const subject = subjectOf(flags);
    if (verb === "delete" && !flags.yes) {
      throw new CliError("delete removes the identity for good. Fix: add --yes to confirm.");
    }
    if (verb === "delete" && flags.reveal) {
      throw new CliError(`--reveal is for show only. Fix: ${HELP}`);
    }
    const outputs = readOutputsJson(flags.file, io);
    const target = targetOf(outputs);
    // Any app's users: mini-programs and OAuth apps alike. An AppID the stack no longer serves is
    // still looked up (its users keep their identities and rows), with a note.
    const stackApps = appIdsOf(outputs);
    const appId = flags["app-id"];
    if (appId !== undefined && stackApps !== undefined && !stackApps.includes(appId)) {
      io.stderr(
        `note: ${appId} is not one of this stack's apps (${stackApps.join(", ")}); looking its ` +
          "user up anyway (a removed app's users keep their identities).\n",
      );
    }
    const clients = makeClients(target.region);
    const identityId = await awsStep(async () =>
      "identityId" in subject
        ? subject.identityId
        : identityOfLogin(clients, target, subject.login),
    );
    // DeleteIdentities names no pool: refuse an IdentityId that cannot be of this pool.
    if (identityId !== undefined && !isIdentityIdOfPoolRegion(identityId, target.identityPoolId)) {
      throw new CliError(
        `${identityId} is not an IdentityId of this stack's region. Fix: pipe the outputs of the stack that owns it.`,
      );
    }
    if (identityId === undefined) {
      io.stdout("no identity: Cognito links no identity of this pool to that user.\n");
      return verb === "show" ? 1 : 0;
    }
    if (verb === "show") {
      const report = await awsStep(() => describeIdentity(clients, target, identityId));
      io.stdout(renderReport(report, flags.reveal === true));
      return 0;
    }
    const result = await awsStep(() =>
      deleteAccount(
        {
          identity: makeAccountIdentity(clients.cognito, target),
          table: makeAccountTable(clients.dynamodb, target.tableName),
          logger: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
        },
        identityId,
        AbortSignal.timeout(60_000),
      ),
    );
    io.stdout(
      `deleted identity ${identityId}: ${result.unlinkedLogins} developer login(s) unlinked, ` +
        `${result.deletedRows} row(s) deleted` +
        (result.keptRows ? `, ${result.keptRows} row(s) now naming another identity kept` : "") +
        ".\nNext: delete the app's data under this IdentityId (docs/users.md, \"What happens to the app's data\").\n",
    );
    return 0;
  });
}

/** An AWS failure as one line: the error's name (and the login-side code), never its payload. */
async function awsStep<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof CliError) throw err;
    const name = (err as { name?: string }).name ?? "Error";
    const detail = (err as { detail?: unknown }).detail;
    const what = typeof detail === "string" ? detail : name;
    throw new CliError(
      `AWS call failed (${what}). Fix: check the deployer credentials, their permissions (docs/users.md, "Operator commands") and the region.`,
    );
  }
}

if (require.main === module) runCli(main);
