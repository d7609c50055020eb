/**
 * The app config: what an app team needs from a stack, validated. One schema for both sources,
 * the offline plan (`npm run plan`) and a real deployment's `pulumi stack output --json`
 * (`npm run app-config`), so both give the same JSON.
 *
 * Usage: pulumi stack output --json --stack dev | npm run app-config -- --stack dev
 *        npm run app-config -- --stack dev --file outputs.json [--out app-config.json]
 */
import { readFileSync, writeFileSync } from "node:fs";
import { z } from "zod";
import { COGNITO_LOGINS_KEY, IDENTITY_POOL_ID, REGION } from "../core/ids";
import type { PartitionId } from "../core/partition";
import { LOGIN_AUTHS, LOGIN_FLOWS, type LoginAuth, type LoginFlow } from "../core/vocabulary";

const outputsSchema = z.object({
  identityPoolId: z.string().regex(IDENTITY_POOL_ID, "not an identity pool id"),
  region: z.string().regex(REGION, "not an AWS region"),
  partition: z.enum(["aws", "aws-cn"]),
  loginsKey: z.string().regex(COGNITO_LOGINS_KEY, "not a Cognito logins key"),
  loginUrl: z.url({ protocol: /^https$/ }),
  loginFlow: z.enum(LOGIN_FLOWS),
  loginAuth: z.enum(LOGIN_AUTHS),
  guestRoleArn: z.string().optional(),
});

export interface AppConfig {
  stack: string;
  region: string;
  partition: PartitionId;
  identityPoolId: string;
  /** Key of the Cognito token in GetCredentialsForIdentity's Logins map (enhanced flow). */
  loginsKey: string;
  /** Whether the app may get guest credentials (GetId + GetCredentialsForIdentity). */
  guests: boolean;
  login: {
    url: string;
    method: "POST";
    /** `enhanced`: the response has identityId + token; `basic`: temporary credentials. */
    flow: LoginFlow;
    /** `iam`: sign the request with the guest identity's credentials (SigV4, execute-api). */
    auth: LoginAuth;
  };
}

export class AppConfigError extends Error {
  override name = "AppConfigError";
}

/** Builds the app config from a stack's outputs; throws naming every missing or bad output. */
export function toAppConfig(stack: string, outputs: unknown): AppConfig {
  const parsed = outputsSchema.safeParse(outputs);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.join(".") || "outputs"}: ${i.message}`,
    );
    throw new AppConfigError(
      `Stack outputs of '${stack}' are not a cognito-devauth stack's outputs (${problems.join("; ")}). ` +
        "Fix: pass `pulumi stack output --json --stack <name>` of a deployed cognito-devauth stack.",
    );
  }
  const o = parsed.data;
  return {
    stack,
    region: o.region,
    partition: o.partition,
    identityPoolId: o.identityPoolId,
    loginsKey: o.loginsKey,
    guests: o.guestRoleArn !== undefined,
    login: { url: o.loginUrl, method: "POST", flow: o.loginFlow, auth: o.loginAuth },
  };
}

function usage(): never {
  process.stderr.write(
    "usage: pulumi stack output --json --stack <name> | npm run app-config -- --stack <name> [--out FILE]\n" +
      "       npm run app-config -- --stack <name> --file <outputs.json> [--out FILE]\n",
  );
  process.exit(2);
}

/** Command line: stack outputs JSON (stdin or --file) in, app config JSON out. */
export function main(argv: string[]): void {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (argv.includes("--help")) usage();
  const stack = arg("--stack");
  if (!stack) usage();
  const file = arg("--file");
  const text = readFileSync(file ?? 0, "utf8");
  let outputs: unknown;
  try {
    outputs = JSON.parse(text);
  } catch {
    process.stderr.write(
      `error: ${file ?? "standard input"} is not JSON. Fix: use \`pulumi stack output --json\`.\n`,
    );
    process.exit(2);
  }
  try {
    const json = `${JSON.stringify(toAppConfig(stack, outputs), null, 2)}\n`;
    const out = arg("--out");
    if (out) writeFileSync(out, json);
    else process.stdout.write(json);
  } catch (err) {
    if (!(err instanceof AppConfigError)) throw err;
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(2);
  }
}

if (require.main === module) main(process.argv.slice(2));
