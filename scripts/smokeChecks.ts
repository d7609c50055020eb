/**
 * The smoke checks themselves (scripts/smoke.ts documents them and is the command): each AWS
 * call bounded, no retries, every printed text redacted against the secrets seen.
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
import type { PartitionId } from "../core/partition";
import { defaultS3For, identityIsolation, type S3For } from "./smokeIsolation";
import {
  httpTransport,
  judgeLoginFailure,
  judgeLoginResponse,
  loginRequest,
  type LoginTransport,
  type SigningCredentials,
} from "./smokeLogin";
import {
  Redactor,
  classicFlowOff,
  errorInfo,
  fail,
  inconclusive,
  isAccessDenied,
  parseSmokeTarget,
  pass,
  rerun,
  said,
  skip,
  trustFix,
  type CheckStatus,
  type ErrorInfo,
  type Outcome,
} from "./smokeTarget";

export type { CheckStatus };

export const CHECKS = [
  "authenticated-trust",
  "basic-flow",
  "guest-trust",
  "guest-cannot-assume-authenticated",
  "login-route",
  "identity-isolation",
  "cleanup",
] as const;
export type CheckName = (typeof CHECKS)[number];

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
  /** S3 clients per identity for identity-isolation (default: real S3 clients). */
  readonly s3For?: S3For;
}

export interface SmokeOptions {
  readonly stack: string;
  /** Upper bound of each AWS call, in milliseconds (aborted after it). */
  readonly callTimeoutMs?: number;
  /** Called with each result as soon as it is known (the CLI prints it). */
  readonly onCheck?: (check: CheckResult) => void;
}

/** Cognito gives developer tokens a lifetime of 1..86400 s; the run needs only seconds. */
export const SMOKE_TOKEN_DURATION_SECONDS = 60;
/** STS minimum session duration. */
export const SMOKE_SESSION_SECONDS = 900;
export const DEFAULT_CALL_TIMEOUT_MS = 15_000;

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
    await check("identity-isolation", () =>
      identityIsolation({
        t,
        outputs,
        cognito: deps.cognito,
        s3For: deps.s3For ?? defaultS3For,
        suffix,
        bounded,
        created,
        secret: (...values) => redactor.add(...values),
      }),
    );
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
