/**
 * What the smoke check reads and says: the stack outputs it needs (validated on top of the app
 * config's cross-checks), the classification of AWS errors, the redaction of every secret seen,
 * and the fix for a refused trust policy. Used by scripts/smokeChecks.ts and the checks it runs
 * (smokeTrust.ts, smokeRoute.ts).
 */
import { z } from "zod";
import { DEVELOPER_PROVIDER_NAME } from "../core/ids";
import {
  COGNITO_TRUST_FAMILIES,
  GLOBAL_COGNITO_TRUST_PRINCIPAL,
  type PartitionId,
} from "../core/partition";
import { ACCOUNT_ROUTE } from "../core/routes";
import { AppConfigError, LOGIN_DOMAIN_OUTPUTS, loginDomainOf, toAppConfig } from "./appConfig";
import type { RouteContext } from "./smokeLogin";

/** What the smoke check needs from a stack's outputs, validated. */
export interface SmokeTarget {
  readonly stack: string;
  readonly partition: PartitionId;
  readonly region: string;
  readonly identityPoolId: string;
  readonly loginsKey: string;
  readonly developerProviderName: string;
  readonly authenticatedRoleArn: string;
  readonly guestRoleArn: string | undefined;
  readonly loginFlow: "enhanced" | "basic";
  /**
   * How the mini-program route is reached (URL on the custom domain when there is one, auth),
   * when the stack has a mini-program app.
   */
  readonly route: RouteContext | undefined;
  /** The OAuth route and the app the probe names, when the stack has an OAuth app. */
  readonly oauthRoute?: (RouteContext & { readonly appId: string }) | undefined;
  /** The self-service account route (`accountUrl`, AWS_IAM), when the stack outputs one. */
  readonly account?: RouteContext | undefined;
}

export class SmokeInputError extends Error {
  override name = "SmokeInputError";
}

const smokeOutputsSchema = z.object({
  developerProviderName: z.string().regex(DEVELOPER_PROVIDER_NAME, "not a developer provider name"),
  authenticatedRoleArn: z.string(),
  guestRoleArn: z.string().optional(),
  accountUrl: z.url({ protocol: /^https$/ }).optional(),
  ...LOGIN_DOMAIN_OUTPUTS,
});

/**
 * Validates `pulumi stack output --json` for the smoke check: the app-config outputs (same rules
 * as `npm run app-config`) plus the provider name and role ARNs, all consistent with the region's
 * partition. Throws a `SmokeInputError` naming every problem.
 */
export function parseSmokeTarget(stack: string, outputs: unknown): SmokeTarget {
  let app;
  try {
    app = toAppConfig(stack, outputs);
  } catch (err) {
    if (err instanceof AppConfigError) throw new SmokeInputError(err.message);
    throw err;
  }
  // Partition, region, pool, logins key, login host and guest role: checked by toAppConfig.
  const parsed = smokeOutputsSchema.safeParse(outputs);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => `${i.path.join(".") || "outputs"}: ${i.message}`);
  // toAppConfig guarantees at least one route; both carry the stack's flow and auth.
  const login = app.login ?? app.oauthLogin;
  if (login === undefined)
    throw new SmokeInputError(`Stack outputs of '${stack}' name no login route.`);
  const role = new RegExp(`^arn:${app.partition}:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}$`);
  const roleArn = (key: string, value: string | undefined) => {
    if (value !== undefined && !role.test(value)) {
      problems.push(`${key}: '${value}' is not an IAM role ARN of partition ${app.partition}`);
    }
  };
  if (parsed.success) {
    roleArn("authenticatedRoleArn", parsed.data.authenticatedRoleArn);
    roleArn("guestRoleArn", parsed.data.guestRoleArn);
    const account = parsed.data.accountUrl && new URL(parsed.data.accountUrl);
    // The account route joins the login API (infra/accountApi.ts): same host, its own path.
    if (
      account &&
      (account.host !== new URL(login.url).host || account.pathname !== ACCOUNT_ROUTE.path)
    ) {
      problems.push(
        `accountUrl: '${parsed.data.accountUrl}' is not ${ACCOUNT_ROUTE.path} on the login API's host ${new URL(login.url).host}`,
      );
    }
  }
  if (!parsed.success || problems.length > 0) {
    throw new SmokeInputError(
      `Stack outputs of '${stack}' cannot be smoke-checked (${problems.join("; ")}). ` +
        "Fix: pass `pulumi stack output --json --stack <name>` of a deployed cognito-devauth stack.",
    );
  }
  const routeOf = (url: string): RouteContext => ({
    stack,
    partition: app.partition,
    auth: login.auth,
    url,
    domain: loginDomainOf(parsed.data),
    defaultEndpointDisabled: parsed.data.loginDefaultEndpointDisabled === true,
  });
  return {
    stack,
    partition: app.partition,
    region: app.region,
    identityPoolId: app.identityPoolId,
    loginsKey: app.loginsKey,
    developerProviderName: parsed.data.developerProviderName,
    authenticatedRoleArn: parsed.data.authenticatedRoleArn,
    guestRoleArn: parsed.data.guestRoleArn,
    loginFlow: login.flow,
    route: app.login && routeOf(app.login.url),
    oauthRoute:
      app.oauthLogin?.appIds[0] === undefined
        ? undefined
        : { ...routeOf(app.oauthLogin.url), appId: app.oauthLogin.appIds[0] },
    account:
      parsed.data.accountUrl === undefined
        ? undefined
        : { ...routeOf(parsed.data.accountUrl), auth: "iam" },
  };
}

/** Replaces every secret value seen during the run (and anything token- or key-shaped). */
export class Redactor {
  readonly #secrets = new Set<string>();
  add(...values: (string | undefined)[]): void {
    // Real keys and tokens are long; a short value would shred every message it occurs in.
    for (const v of values) if (v && v.length >= 8) this.#secrets.add(v);
  }
  redact(text: string): string {
    let out = text;
    for (const s of this.#secrets) out = out.split(s).join("[redacted]");
    // Token-shaped (base64url JSON, even cut short) and access-key-shaped text, seen or not.
    return out
      .replace(/eyJ[\w-]{8,}(?:\.[\w-]*){0,2}/g, "[redacted]")
      .replace(/\b(?:AKIA|ASIA)[A-Z0-9]{12,}\b/g, "[redacted]");
  }
}

export interface ErrorInfo {
  name: string;
  message: string;
  /** Throttling, timeouts, network or server errors: no verdict, rerun. */
  transient: boolean;
  /** The deployer's own credentials are missing or rejected. */
  credentials: boolean;
}

const TRANSIENT =
  /^(TimeoutError|AbortError|TooManyRequestsException|Throttling(Exception)?|RequestTimeout(Exception)?|InternalErrorException|InternalFailure|ServiceUnavailable(Exception)?|IDPCommunicationError(Exception)?)$/;
const NETWORK = /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EPIPE)$/;
const CREDENTIALS =
  /^(CredentialsProviderError|UnrecognizedClientException|InvalidClientTokenId|InvalidSignatureException|SignatureDoesNotMatch|ExpiredToken(Exception)?)$/;

export function errorInfo(err: unknown): ErrorInfo {
  const e = (typeof err === "object" && err !== null ? err : {}) as Record<string, unknown>;
  const name = typeof e["name"] === "string" ? e["name"] : "Error";
  const raw = typeof e["message"] === "string" ? e["message"] : String(err);
  const code = typeof e["code"] === "string" ? e["code"] : "";
  const meta = e["$metadata"] as { httpStatusCode?: number } | undefined;
  const status = meta?.httpStatusCode ?? 0;
  return {
    name,
    // One line: never let a message spill over several. Cut short only after redaction (`info`).
    message: raw.replace(/\s+/g, " ").trim(),
    transient:
      TRANSIENT.test(name) || NETWORK.test(code) || e["$fault"] === "server" || status >= 500,
    credentials: CREDENTIALS.test(name),
  };
}

export const said = (e: ErrorInfo) => `${e.name}: ${e.message}`;

export function inconclusive(call: string, e: ErrorInfo, signed: boolean): string | undefined {
  if (signed && e.credentials) {
    return (
      `${call} was refused for the deployer's credentials (${said(e)}). Fix: run with the ` +
      "deployer's AWS credentials of this stack's account in the environment"
    );
  }
  if (e.transient) {
    return `${call} gave no verdict (${said(e)}). Fix: rerun the smoke check; if it persists, check network access to the region's endpoints`;
  }
  return undefined;
}

/** Is this error Cognito or STS refusing the basic (classic) flow itself? */
export function classicFlowOff(e: ErrorInfo): boolean {
  return (
    /^InvalidIdentityToken(Exception)?$/.test(e.name) || /classic|basic.{0,20}flow/i.test(e.message)
  );
}

export function isAccessDenied(e: ErrorInfo): boolean {
  return /^AccessDenied(Exception)?$/.test(e.name);
}

export const rerun = (t: SmokeTarget) =>
  `then pulumi up --stack ${t.stack} and rerun npm run smoke -- --stack ${t.stack}`;

/**
 * The fix when IAM refuses a role's trust policy. In aws-cn which spelling IAM accepts is
 * unverified, so the fix is switching spelling family; in aws, the attachment or policy is wrong.
 */
export function trustFix(t: SmokeTarget, kind: "authenticated" | "unauthenticated"): string {
  const roleArn = kind === "authenticated" ? t.authenticatedRoleArn : t.guestRoleArn;
  const attachment =
    `aws cognito-identity get-identity-pool-roles --identity-pool-id ${t.identityPoolId} ` +
    `--region ${t.region} must name ${roleArn ?? "the role"} as the ${kind} role`;
  if (t.partition === "aws-cn") {
    const china = COGNITO_TRUST_FAMILIES.find((f) => f.name === "china");
    const principal = china?.principals[0];
    const prefix = china?.keyPrefixes[0];
    const set =
      principal && prefix
        ? `pulumi config set cognitoTrustPrincipal ${principal} --stack ${t.stack} && ` +
          `pulumi config set cognitoTrustConditionKeyPrefix ${prefix} --stack ${t.stack}`
        : "set cognitoTrustPrincipal and cognitoTrustConditionKeyPrefix to a China spelling";
    return (
      "in aws-cn, try the other trust spelling (which one IAM accepts there is unverified). " +
      `If the stack uses the default global one (${GLOBAL_COGNITO_TRUST_PRINCIPAL}): ${set} ` +
      "(other spellings: COGNITO_TRUST_FAMILIES in core/partition.ts); if it already uses a " +
      `China one: pulumi config rm cognitoTrustPrincipal --stack ${t.stack} && ` +
      `pulumi config rm cognitoTrustConditionKeyPrefix --stack ${t.stack}; ${rerun(t)}. ` +
      `If neither works, check the role attachment: ${attachment}`
    );
  }
  const p = GLOBAL_COGNITO_TRUST_PRINCIPAL;
  return (
    `check the role attachment: ${attachment}, and that role's trust policy must allow ` +
    `Federated ${p} with ${p}:aud = ${t.identityPoolId} and ${p}:amr = ${kind}; ${rerun(t)}`
  );
}

/** pass, fail (with the fix) or skip (with why). */
export type CheckStatus = "pass" | "fail" | "skip";

export interface Outcome {
  status: CheckStatus;
  detail?: string;
}
export const pass = (detail: string): Outcome => ({ status: "pass", detail });
export const fail = (detail: string): Outcome => ({ status: "fail", detail });
export const skip = (detail: string): Outcome => ({ status: "skip", detail });
