/**
 * Post-deploy smoke check: proves, in the live account, what the offline tests cannot. Above all
 * that IAM in this partition accepts the roles' Cognito trust policies (principal and `aud`/`amr`
 * key prefix), which is unverified for aws-cn (docs/aws-china.md, "Trust principal").
 *
 * Usage: pulumi stack output --json --stack dev | npm run smoke -- --stack dev
 *        npm run smoke -- --stack dev --file outputs.json [--out smoke-report.json]
 *
 * Run after `pulumi up` with the deployer's credentials in the environment. It needs
 * cognito-identity:GetOpenIdTokenForDeveloperIdentity on the pool, and DescribeIdentity and
 * DeleteIdentities on `*` scoped by cognito-identity:IdentityPoolArn (docs/users.md, "Operator
 * commands"; GetId, GetOpenIdToken, GetCredentialsForIdentity and sts:AssumeRoleWithWebIdentity
 * are public APIs). It creates one developer identity (`smoke-test#<random>`) and, with guests
 * on, one guest identity; the developer identity deletes itself through the account route, and
 * `cleanup` deletes whatever is left.
 *
 * Checks, each printed as one line (`✔ name`, `✖ name: reason. Fix: ...`, `- name: skipped: ...`):
 *   authenticated-trust                developer token -> GetCredentialsForIdentity with loginsKey
 *   basic-flow                         (loginFlow basic) STS AssumeRoleWithWebIdentity, same token
 *   guest-trust                        (guests on) GetId -> GetCredentialsForIdentity, no Logins
 *   guest-cannot-assume-authenticated  (guests on) a guest token must NOT assume the authenticated
 *                                      role; "skipped: classic flow off" when Cognito or STS refuse
 *                                      the basic flow itself
 *   login-route                        POST an invalid WeChat code to loginUrl (public, or signed
 *                                      with basic-flow guest credentials for loginAuth iam): must
 *                                      answer 401 INVALID_CODE (scripts/smokeLogin.ts)
 *   oauth-login-route                  (an OAuth app) the same on oauthLoginUrl, naming the first
 *                                      OAuth app: proves its AppID and secret with WeChat too
 *   identity-isolation                 (a per-identity read-write S3 grant) two throwaway identities
 *                                      each write and read their own prefix and are denied the
 *                                      other's; objects deleted (scripts/smokeIsolation.ts)
 *   account-deletion                   (an accountUrl) DELETE accountUrl signed with the developer
 *                                      identity's authenticated-role credentials: 200 {deleted,
 *                                      identityId}, then DescribeIdentity must find it gone; this
 *                                      settles whether the function's DeleteIdentities grant,
 *                                      pinned by cognito-identity:IdentityPoolArn, matches in
 *                                      aws-cn (docs/aws-china.md, "Cognito"; smokeAccount.ts)
 *   cleanup                            DeleteIdentities for every identity the run created and no
 *                                      check proved deleted (an already-deleted one is fine)
 *
 * Tokens and credentials never reach stdout, stderr or the report: only their presence is checked,
 * and every printed text is redacted against the values seen. Each call is bounded (client
 * timeouts plus an abort signal), with no retries. Exit 0: every check passed or was skipped;
 * 1: a check failed; 2: usage or input error.
 */
import { CliError, outputsCommand, processIo, runCli, writeTextFile, type Io } from "./cli";
import {
  defaultDeps,
  exitCodeOf,
  renderCheck,
  runSmoke,
  type CheckStatus,
  type SmokeDeps,
  type SmokeReport,
} from "./smokeChecks";
import { parseSmokeTarget, SmokeInputError, type SmokeTarget } from "./smokeTarget";

export * from "./smokeChecks";
export { parseSmokeTarget, SmokeInputError, trustFix, type SmokeTarget } from "./smokeTarget";

export interface CliIo extends Io {
  readonly makeDeps: (region: string) => SmokeDeps;
}

const smokeProcessIo: CliIo = { ...processIo, makeDeps: defaultDeps };

export const USAGE =
  "usage: pulumi stack output --json --stack <name> | npm run smoke -- --stack <name> [--out FILE]\n" +
  "       npm run smoke -- --stack <name> --file <outputs.json> [--out FILE]\n" +
  "Checks a deployed stack with the deployer's credentials (see scripts/smoke.ts).\n" +
  "Exit 0: every check passed or was skipped; 1: a check failed; 2: usage or input error.\n";

/** Command line: stack outputs JSON (stdin or --file) in, one line per check out; exit code. */
export function main(argv: string[], io: CliIo = smokeProcessIo): Promise<number> {
  return run(argv, io);
}

const run = outputsCommand<CliIo>("smoke", USAGE, async ({ stack, outputs, out }, io) => {
  let target: SmokeTarget;
  try {
    target = parseSmokeTarget(stack, outputs);
  } catch (err) {
    if (err instanceof SmokeInputError) throw new CliError(err.message);
    throw err;
  }

  io.stdout(
    `Smoke check of stack '${stack}': pool ${target.identityPoolId} ` +
      `(${target.partition}, ${target.region}, loginFlow ${target.loginFlow}, ` +
      `guests ${target.guestRoleArn ? "on" : "off"}, ` +
      [target.route, target.oauthRoute]
        .flatMap((route) => (route ? [`login ${route.url} auth ${route.auth}`] : []))
        .join(", ") +
      ")\n",
  );
  const deps = io.makeDeps(target.region);
  let report: SmokeReport;
  try {
    report = await runSmoke(deps, outputs, {
      stack,
      onCheck: (c) => io.stdout(`${renderCheck(c)}\n`),
    });
  } finally {
    deps.cognito.destroy();
    deps.sts.destroy();
  }
  const count = (s: CheckStatus) => report.checks.filter((c) => c.status === s).length;
  io.stdout(
    `${count("pass")} passed, ${count("skip")} skipped, ${count("fail")} failed.` +
      (report.ok ? "" : " The stack is NOT verified: fix the ✖ checks above.") +
      "\n",
  );
  if (out) writeTextFile(out, `${JSON.stringify(report, null, 2)}\n`);
  return exitCodeOf(report);
});

if (require.main === module) runCli((argv) => main(argv));
