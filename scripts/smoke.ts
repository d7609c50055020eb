/**
 * Post-deploy smoke check: proves, in the live account, what the offline tests cannot. Above all
 * that IAM in this partition accepts the roles' Cognito trust policies (principal and `aud`/`amr`
 * key prefix), which is unverified for aws-cn (docs/aws-china.md, "Trust principal").
 *
 * Usage: pulumi stack output --json --stack dev | npm run smoke -- --stack dev
 *        npm run smoke -- --stack dev --file outputs.json [--out smoke-report.json]
 *
 * Run after `pulumi up` with the deployer's credentials in the environment. It needs
 * cognito-identity:GetOpenIdTokenForDeveloperIdentity and cognito-identity:DeleteIdentities on the
 * pool (GetId, GetOpenIdToken, GetCredentialsForIdentity and sts:AssumeRoleWithWebIdentity are
 * public APIs). It creates one developer identity (`smoke-test#<random>`) and, with guests on, one
 * guest identity, and deletes them at the end.
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
 *   cleanup                            DeleteIdentities for every identity the run created
 *
 * Tokens and credentials never reach stdout, stderr or the report: only their presence is checked,
 * and every printed text is redacted against the values seen. Each call is bounded (client
 * timeouts plus an abort signal), with no retries. Exit 0: every check passed or was skipped;
 * 1: a check failed; 2: usage or input error.
 */
import {
  CognitoIdentityClient,
  DeleteIdentitiesCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
} from "@aws-sdk/client-cognito-identity";
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { z } from "zod";
import { DEVELOPER_PROVIDER_NAME } from "../core/ids";
import {
  COGNITO_TRUST_FAMILIES,
  GLOBAL_COGNITO_TRUST_PRINCIPAL,
  type PartitionId,
} from "../core/partition";
import { AppConfigError, loginDomainOf, toAppConfig } from "./appConfig";
import {
  CliError,
  guarded,
  parseCli,
  processIo,
  readOutputsJson,
  required,
  runCli,
  type Io,
} from "./cli";
import {
  httpTransport,
  judgeLoginFailure,
  judgeLoginResponse,
  loginRequest,
  type LoginTransport,
  type RouteContext,
  type SigningCredentials,
} from "./smokeLogin";

export const CHECKS = [
  "authenticated-trust",
  "basic-flow",
  "guest-trust",
  "guest-cannot-assume-authenticated",
  "login-route",
  "cleanup",
] as const;
export type CheckName = (typeof CHECKS)[number];
export type CheckStatus = "pass" | "fail" | "skip";

export interface CheckResult {
  readonly name: CheckName;
  readonly status: CheckStatus;
  /** Why it failed (with the fix) or was skipped, or what a pass proved. Never a secret. */
  readonly detail?: string;
}

export interface SmokeReport {
  readonly stack: string;
  readonly partition: PartitionId;
  readonly region: string;
  readonly identityPoolId: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly checks: CheckResult[];
  /** IdentityIds this run created (all of them are deleted by `cleanup`). */
  readonly createdIdentityIds: string[];
  /** True when no check failed. */
  readonly ok: boolean;
}

/** What the run talks to; tests inject aws-sdk-client-mock'ed clients and fixed clock/random. */
export interface SmokeDeps {
  readonly cognito: CognitoIdentityClient;
  readonly sts: STSClient;
  readonly now?: () => Date;
  /** Random suffix of the developer user id and STS session names. */
  readonly random?: () => string;
  /** Sends the login-route request (default: node:https). */
  readonly login?: LoginTransport;
}

export interface SmokeOptions {
  readonly stack: string;
  /** Upper bound of each AWS call, in milliseconds (aborted after it). */
  readonly callTimeoutMs?: number;
  /** Called with each result as soon as it is known (the CLI prints it). */
  readonly onCheck?: (check: CheckResult) => void;
}

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
  /** How the login route is reached (URL on the custom domain when there is one, auth). */
  readonly route: RouteContext;
}

export class SmokeInputError extends Error {
  override name = "SmokeInputError";
}

/** Cognito gives developer tokens a lifetime of 1..86400 s; the run needs only seconds. */
export const SMOKE_TOKEN_DURATION_SECONDS = 60;
/** STS minimum session duration. */
export const SMOKE_SESSION_SECONDS = 900;
export const DEFAULT_CALL_TIMEOUT_MS = 15_000;

const domainOutput = z.union([z.string(), z.object({ domainName: z.string() })]).optional();
const smokeOutputsSchema = z.object({
  developerProviderName: z.string().regex(DEVELOPER_PROVIDER_NAME, "not a developer provider name"),
  authenticatedRoleArn: z.string(),
  guestRoleArn: z.string().optional(),
  loginDomainName: domainOutput,
  loginDomain: domainOutput,
  loginHost: domainOutput,
  loginDefaultEndpointDisabled: z.boolean().optional(),
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
  const role = new RegExp(`^arn:${app.partition}:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}$`);
  const roleArn = (key: string, value: string | undefined) => {
    if (value !== undefined && !role.test(value)) {
      problems.push(`${key}: '${value}' is not an IAM role ARN of partition ${app.partition}`);
    }
  };
  if (parsed.success) {
    roleArn("authenticatedRoleArn", parsed.data.authenticatedRoleArn);
    roleArn("guestRoleArn", parsed.data.guestRoleArn);
  }
  if (!parsed.success || problems.length > 0) {
    throw new SmokeInputError(
      `Stack outputs of '${stack}' cannot be smoke-checked (${problems.join("; ")}). ` +
        "Fix: pass `pulumi stack output --json --stack <name>` of a deployed cognito-devauth stack.",
    );
  }
  return {
    stack,
    partition: app.partition,
    region: app.region,
    identityPoolId: app.identityPoolId,
    loginsKey: app.loginsKey,
    developerProviderName: parsed.data.developerProviderName,
    authenticatedRoleArn: parsed.data.authenticatedRoleArn,
    guestRoleArn: parsed.data.guestRoleArn,
    loginFlow: app.login.flow,
    route: {
      stack,
      partition: app.partition,
      auth: app.login.auth,
      url: app.login.url,
      domain: loginDomainOf(parsed.data),
      defaultEndpointDisabled: parsed.data.loginDefaultEndpointDisabled === true,
    },
  };
}

/** Replaces every secret value seen during the run (and anything token- or key-shaped). */
class Redactor {
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

interface ErrorInfo {
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

function errorInfo(err: unknown): ErrorInfo {
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

const said = (e: ErrorInfo) => `${e.name}: ${e.message}`;

function inconclusive(call: string, e: ErrorInfo, signed: boolean): string | undefined {
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
function classicFlowOff(e: ErrorInfo): boolean {
  return (
    /^InvalidIdentityToken(Exception)?$/.test(e.name) || /classic|basic.{0,20}flow/i.test(e.message)
  );
}

function isAccessDenied(e: ErrorInfo): boolean {
  return /^AccessDenied(Exception)?$/.test(e.name);
}

const rerun = (t: SmokeTarget) =>
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

interface Outcome {
  status: CheckStatus;
  detail?: string;
}
const pass = (detail: string): Outcome => ({ status: "pass", detail });
const fail = (detail: string): Outcome => ({ status: "fail", detail });
const skip = (detail: string): Outcome => ({ status: "skip", detail });

interface AnyCredentials {
  AccessKeyId?: string | undefined;
  SecretKey?: string | undefined;
  SecretAccessKey?: string | undefined;
  SessionToken?: string | undefined;
}

/** Runs every check against a deployed stack. Never throws for an AWS error: it reports it. */
export async function runSmoke(
  deps: SmokeDeps,
  outputs: unknown,
  opts: SmokeOptions,
): Promise<SmokeReport> {
  const t = parseSmokeTarget(opts.stack, outputs);
  const now = deps.now ?? (() => new Date());
  const suffix = (deps.random ?? randomUUID)().replace(/[^\w+=,.@-]/g, "");
  const timeoutMs = opts.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const bounded = () => ({ abortSignal: AbortSignal.timeout(timeoutMs) });
  const session = (kind: string) => `smoke-${kind}-${suffix}`.slice(0, 64);
  const redactor = new Redactor();
  /** Remembers the secrets to redact; true when there are credentials. */
  const gotCredentials = (c: AnyCredentials | undefined) => {
    redactor.add(c?.AccessKeyId, c?.SecretKey, c?.SecretAccessKey, c?.SessionToken);
    return Boolean(c?.AccessKeyId);
  };

  /** An AWS error, its message redacted, then bounded (a secret cut short is still a secret). */
  const info = (err: unknown): ErrorInfo => {
    const e = errorInfo(err);
    const message = redactor.redact(e.message);
    return { ...e, message: message.length > 300 ? `${message.slice(0, 300)}…` : message };
  };

  const startedAt = now().toISOString();
  const checks: CheckResult[] = [];
  const created: string[] = [];
  let authToken: string | undefined;
  let guestIdentityId: string | undefined;
  let guestToken: string | undefined;

  async function check(name: CheckName, run: () => Promise<Outcome>): Promise<void> {
    let outcome: Outcome;
    try {
      outcome = await run();
    } catch (err) {
      outcome = fail(`unexpected error (${said(info(err))})`);
    }
    const result: CheckResult =
      outcome.detail === undefined
        ? { name, status: outcome.status }
        : { name, status: outcome.status, detail: redactor.redact(outcome.detail) };
    checks.push(result);
    opts.onCheck?.(result);
  }

  /** 1. A developer identity's token buys authenticated-role credentials: IAM took the trust. */
  async function authenticatedTrust(): Promise<Outcome> {
    let identityId: string | undefined;
    try {
      const out = await deps.cognito.send(
        new GetOpenIdTokenForDeveloperIdentityCommand({
          IdentityPoolId: t.identityPoolId,
          Logins: { [t.developerProviderName]: `smoke-test#${suffix}` },
          TokenDuration: SMOKE_TOKEN_DURATION_SECONDS,
        }),
        bounded(),
      );
      redactor.add(out.Token);
      if (out.IdentityId) created.push(out.IdentityId);
      identityId = out.IdentityId;
      authToken = out.Token;
    } catch (err) {
      const e = info(err);
      const call = "GetOpenIdTokenForDeveloperIdentity";
      return fail(
        inconclusive(call, e, true) ??
          `${call} failed (${said(e)}). Fix: the outputs must be this account's pool ` +
            `${t.identityPoolId} in ${t.region} with developer provider ` +
            `'${t.developerProviderName}', and the deployer needs ` +
            "cognito-identity:GetOpenIdTokenForDeveloperIdentity on it",
      );
    }
    if (!identityId || !authToken) {
      return fail("GetOpenIdTokenForDeveloperIdentity returned no IdentityId or Token. Fix: rerun");
    }
    try {
      const out = await deps.cognito.send(
        new GetCredentialsForIdentityCommand({
          IdentityId: identityId,
          Logins: { [t.loginsKey]: authToken },
        }),
        bounded(),
      );
      return gotCredentials(out.Credentials)
        ? pass(`Cognito issued credentials of the authenticated role in ${t.partition}`)
        : fail(
            `GetCredentialsForIdentity returned no credentials. Fix: ${trustFix(t, "authenticated")}`,
          );
    } catch (err) {
      const e = info(err);
      const call = "GetCredentialsForIdentity";
      return fail(
        inconclusive(call, e, false) ??
          `${call} with Logins key ${t.loginsKey} was refused (${said(e)}): IAM did not let ` +
            `Cognito assume ${t.authenticatedRoleArn}. Fix: ${trustFix(t, "authenticated")}`,
      );
    }
  }

  /** 2. The same token through STS, as the login function does for loginFlow basic. */
  async function basicFlow(): Promise<Outcome> {
    if (t.loginFlow !== "basic") return skip("not applicable: loginFlow is enhanced");
    if (!authToken) return skip("not run: no Cognito token (see authenticated-trust)");
    try {
      const out = await deps.sts.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: t.authenticatedRoleArn,
          WebIdentityToken: authToken,
          RoleSessionName: session("basic"),
          DurationSeconds: SMOKE_SESSION_SECONDS,
        }),
        bounded(),
      );
      return gotCredentials(out.Credentials)
        ? pass("STS issued credentials of the authenticated role for a Cognito token")
        : fail("AssumeRoleWithWebIdentity returned no credentials. Fix: rerun");
    } catch (err) {
      const e = info(err);
      const call = "AssumeRoleWithWebIdentity";
      const fix = classicFlowOff(e)
        ? "the pool must allow the classic flow (AllowClassicFlow true, which the stack sets " +
          `for loginFlow basic); ${rerun(t)}`
        : trustFix(t, "authenticated");
      return fail(
        inconclusive(call, e, false) ??
          `${call} for ${t.authenticatedRoleArn} was refused (${said(e)}). Fix: ${fix}`,
      );
    }
  }

  /** 3. A guest identity gets credentials of the guest role. */
  async function guestTrust(guestRoleArn: string): Promise<Outcome> {
    let step = "GetId";
    try {
      const id = await deps.cognito.send(
        new GetIdCommand({ IdentityPoolId: t.identityPoolId }),
        bounded(),
      );
      if (id.IdentityId) created.push(id.IdentityId);
      guestIdentityId = id.IdentityId;
      if (!guestIdentityId) return fail("GetId returned no IdentityId. Fix: rerun");
      step = "GetCredentialsForIdentity";
      const out = await deps.cognito.send(
        new GetCredentialsForIdentityCommand({ IdentityId: guestIdentityId }),
        bounded(),
      );
      return gotCredentials(out.Credentials)
        ? pass(`Cognito issued credentials of the guest role in ${t.partition}`)
        : fail(
            `GetCredentialsForIdentity returned no credentials. Fix: ${trustFix(t, "unauthenticated")}`,
          );
    } catch (err) {
      const e = info(err);
      const fix =
        step === "GetId"
          ? "the pool must allow unauthenticated identities (the stack sets it with allowGuests " +
            `true, which also creates ${guestRoleArn}); ${rerun(t)}`
          : trustFix(t, "unauthenticated");
      return fail(
        inconclusive(step, e, false) ?? `${step} for a guest was refused (${said(e)}). Fix: ${fix}`,
      );
    }
  }

  /** 4. The authenticated role's amr condition keeps guests out (basic flow with a guest token). */
  async function guestCannotAssumeAuthenticated(): Promise<Outcome> {
    if (!guestIdentityId) return skip("not run: no guest identity (see guest-trust)");
    try {
      const out = await deps.cognito.send(
        new GetOpenIdTokenCommand({ IdentityId: guestIdentityId }),
        bounded(),
      );
      redactor.add(out.Token);
      guestToken = out.Token;
    } catch (err) {
      const e = info(err);
      if (classicFlowOff(e)) return skip(`skipped: classic flow off (GetOpenIdToken: ${said(e)})`);
      return fail(
        inconclusive("GetOpenIdToken", e, false) ??
          `GetOpenIdToken for a guest failed (${said(e)}). Fix: rerun; if it persists, check ` +
            "that the pool allows unauthenticated identities",
      );
    }
    if (!guestToken) return fail("GetOpenIdToken returned no Token. Fix: rerun");
    try {
      const out = await deps.sts.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: t.authenticatedRoleArn,
          WebIdentityToken: guestToken,
          RoleSessionName: session("guest"),
          DurationSeconds: SMOKE_SESSION_SECONDS,
        }),
        bounded(),
      );
      gotCredentials(out.Credentials);
    } catch (err) {
      const e = info(err);
      if (isAccessDenied(e)) return pass("STS refused a guest token for the authenticated role");
      if (classicFlowOff(e)) return skip(`skipped: classic flow off (STS: ${said(e)})`);
      return fail(
        inconclusive("AssumeRoleWithWebIdentity", e, false) ??
          `no verdict: STS refused the guest token with ${said(e)} instead of AccessDenied. ` +
            "Fix: rerun; if it persists, check the authenticated role's trust policy",
      );
    }
    return fail(
      "the authenticated role admits guests: its trust policy lacks the amr condition (STS " +
        `gave a guest token credentials of ${t.authenticatedRoleArn}). Fix: the trust policy ` +
        "needs ForAnyValue:StringLike <key prefix>:amr = authenticated (infra/iam/trust.ts); " +
        rerun(t),
    );
  }

  /**
   * Basic-flow guest credentials, as an app gets them to sign the login (GetId ->
   * GetOpenIdToken -> AssumeRoleWithWebIdentity on the guest role); reuses the guest identity and
   * token of the earlier checks. Returns the credentials, or the failure detail.
   */
  async function basicGuestCredentials(
    guestRoleArn: string,
  ): Promise<SigningCredentials | { fail: string }> {
    let step = "GetId";
    try {
      if (!guestIdentityId) {
        const id = await deps.cognito.send(
          new GetIdCommand({ IdentityPoolId: t.identityPoolId }),
          bounded(),
        );
        if (id.IdentityId) created.push(id.IdentityId);
        guestIdentityId = id.IdentityId;
        if (!guestIdentityId) return { fail: "GetId returned no IdentityId. Fix: rerun" };
      }
      step = "GetOpenIdToken";
      if (!guestToken) {
        const out = await deps.cognito.send(
          new GetOpenIdTokenCommand({ IdentityId: guestIdentityId }),
          bounded(),
        );
        redactor.add(out.Token);
        guestToken = out.Token;
        if (!guestToken) return { fail: "GetOpenIdToken returned no Token. Fix: rerun" };
      }
      step = "AssumeRoleWithWebIdentity";
      const out = await deps.sts.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: guestRoleArn,
          WebIdentityToken: guestToken,
          RoleSessionName: session("login"),
          DurationSeconds: SMOKE_SESSION_SECONDS,
        }),
        bounded(),
      );
      const c = out.Credentials;
      if (!gotCredentials(c) || !c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
        return { fail: "AssumeRoleWithWebIdentity returned no credentials. Fix: rerun" };
      }
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
      };
    } catch (err) {
      const e = info(err);
      const fix = classicFlowOff(e)
        ? "loginAuth iam needs the pool's classic flow on (AllowClassicFlow true), so guests " +
          `can get basic-flow credentials to sign the login; ${rerun(t)}`
        : trustFix(t, "unauthenticated");
      return {
        fail:
          inconclusive(step, e, false) ??
          `${step} for a basic-flow guest (to sign the login) was refused (${said(e)}). Fix: ${fix}`,
      };
    }
  }

  /** 5. The login route itself: an invalid code must come back 401 INVALID_CODE. */
  async function loginRoute(): Promise<Outcome> {
    const route = t.route;
    let signing: SigningCredentials | undefined;
    if (route.auth === "iam") {
      if (!t.guestRoleArn) return fail("loginAuth iam without a guest role. Fix: allowGuests true");
      const got = await basicGuestCredentials(t.guestRoleArn);
      if ("fail" in got) return fail(got.fail);
      signing = got;
    }
    const request = await loginRequest(
      route.url,
      `smoke-invalid-code-${suffix}`.slice(0, 64),
      signing && { region: t.region, credentials: signing, date: now() },
    );
    let response;
    try {
      response = await (deps.login ?? httpTransport)(request, AbortSignal.timeout(timeoutMs));
    } catch (err) {
      const verdict = judgeLoginFailure(route, err);
      return fail(
        verdict.transient ? `no verdict: ${verdict.detail}` : `${route.url}: ${verdict.detail}`,
      );
    }
    const problem = judgeLoginResponse(route, response);
    if (problem !== undefined) return fail(redactor.redact(problem));
    return pass(
      `401 INVALID_CODE from ${new URL(route.url).host} (${route.auth === "iam" ? "signed by a basic-flow guest" : "public"}): ` +
        "DNS, TLS, route, authorization, function, secret and WeChat all answered",
    );
  }

  /** 6. Best effort, one call: every identity this run created. */
  async function cleanup(): Promise<Outcome> {
    if (created.length === 0) return skip("no identities were created");
    const ids = created.join(", ");
    const fix =
      "grant the deployer cognito-identity:DeleteIdentities on the pool, or delete them: " +
      `aws cognito-identity delete-identities --identity-ids-to-delete ${created.join(" ")} ` +
      `--region ${t.region}`;
    try {
      const out = await deps.cognito.send(
        new DeleteIdentitiesCommand({ IdentityIdsToDelete: [...created] }),
        bounded(),
      );
      const left = out.UnprocessedIdentityIds ?? [];
      if (left.length === 0) return pass(`deleted ${ids}`);
      const which = left.map((u) => `${u.IdentityId ?? "?"} (${u.ErrorCode ?? "?"})`);
      return fail(`DeleteIdentities left ${which.join(", ")} undeleted. Fix: ${fix}`);
    } catch (err) {
      return fail(`DeleteIdentities failed for ${ids} (${said(info(err))}). Fix: ${fix}`);
    }
  }

  const guestRoleArn = t.guestRoleArn;
  const noGuests = async () => skip("not applicable: the stack has no guest role");
  try {
    await check("authenticated-trust", authenticatedTrust);
    await check("basic-flow", basicFlow);
    await check("guest-trust", guestRoleArn ? () => guestTrust(guestRoleArn) : noGuests);
    await check(
      "guest-cannot-assume-authenticated",
      guestRoleArn ? guestCannotAssumeAuthenticated : noGuests,
    );
    await check("login-route", loginRoute);
  } finally {
    await check("cleanup", cleanup);
  }

  return {
    stack: t.stack,
    partition: t.partition,
    region: t.region,
    identityPoolId: t.identityPoolId,
    startedAt,
    finishedAt: now().toISOString(),
    checks,
    createdIdentityIds: [...created],
    ok: checks.every((c) => c.status !== "fail"),
  };
}

/** One line per check. */
export function renderCheck(c: CheckResult): string {
  if (c.status === "pass") return `✔ ${c.name}`;
  if (c.status === "skip") return `- ${c.name}: ${c.detail ?? "skipped"}`;
  return `✖ ${c.name}: ${c.detail ?? "failed"}`;
}

export function exitCodeOf(report: Pick<SmokeReport, "checks">): 0 | 1 {
  return report.checks.some((c) => c.status === "fail") ? 1 : 0;
}

/** Bounded SDK clients of the stack's region (regional endpoints, China included), no retries. */
export function defaultDeps(region: string): SmokeDeps {
  const config = {
    region,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 3000, requestTimeout: 10_000 },
  };
  return { cognito: new CognitoIdentityClient(config), sts: new STSClient(config) };
}

export interface CliIo extends Io {
  readonly makeDeps: (region: string) => SmokeDeps;
}

const smokeProcessIo: CliIo = { ...processIo, makeDeps: defaultDeps };

export const USAGE =
  "usage: pulumi stack output --json --stack <name> | npm run smoke -- --stack <name> [--out FILE]\n" +
  "       npm run smoke -- --stack <name> --file <outputs.json> [--out FILE]\n" +
  "Checks a deployed stack with the deployer's credentials (see scripts/smoke.ts).\n" +
  "Exit 0: every check passed or was skipped; 1: a check failed; 2: usage or input error.\n";

const SPEC = {
  command: "smoke",
  usage: USAGE,
  options: {
    stack: { type: "string" },
    file: { type: "string" },
    out: { type: "string" },
  },
} as const;

/** Command line: stack outputs JSON (stdin or --file) in, one line per check out; exit code. */
export async function main(argv: string[], io: CliIo = smokeProcessIo): Promise<number> {
  return guarded(io, async () => {
    const flags = parseCli(argv, SPEC, io);
    if (!flags) return 0;
    const stack = required(flags.stack, "--stack", SPEC.command);
    const outputs = readOutputsJson(flags.file, io);
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
        `guests ${target.guestRoleArn ? "on" : "off"}, login ${target.route.url} ` +
        `auth ${target.route.auth})\n`,
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
    if (flags.out) {
      try {
        writeFileSync(flags.out, `${JSON.stringify(report, null, 2)}\n`);
      } catch (err) {
        throw new CliError(
          `cannot write ${flags.out} (${errorInfo(err).message}). Fix: --out <a writable file path>`,
        );
      }
    }
    return exitCodeOf(report);
  });
}

if (require.main === module) runCli((argv) => main(argv));
