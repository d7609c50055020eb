/**
 * The smoke checks of the roles' trust (scripts/smoke.ts documents them): Cognito and STS must
 * hand out each role's credentials to the identities it trusts, and only to those.
 */
import {
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
} from "@aws-sdk/client-cognito-identity";
import { SMOKE_TOKEN_DURATION_SECONDS, assumeWithToken, type SmokeRun } from "./smokeRun";
import {
  classicFlowOff,
  fail,
  inconclusive,
  isAccessDenied,
  pass,
  rerun,
  said,
  skip,
  trustFix,
  type Outcome,
} from "./smokeTarget";

/** 1. A developer identity's token buys authenticated-role credentials: IAM took the trust. */
export async function authenticatedTrust(r: SmokeRun): Promise<Outcome> {
  let identityId: string | undefined;
  try {
    const out = await r.deps.cognito.send(
      new GetOpenIdTokenForDeveloperIdentityCommand({
        IdentityPoolId: r.t.identityPoolId,
        Logins: { [r.t.developerProviderName]: `smoke-test#${r.suffix}` },
        TokenDuration: SMOKE_TOKEN_DURATION_SECONDS,
      }),
      r.bounded(),
    );
    r.redactor.add(out.Token);
    if (out.IdentityId) r.created.push(out.IdentityId);
    identityId = out.IdentityId;
    r.authToken = out.Token;
  } catch (err) {
    const e = r.info(err);
    const call = "GetOpenIdTokenForDeveloperIdentity";
    return fail(
      inconclusive(call, e, true) ??
        `${call} failed (${said(e)}). Fix: the outputs must be this account's pool ` +
          `${r.t.identityPoolId} in ${r.t.region} with developer provider ` +
          `'${r.t.developerProviderName}', and the deployer needs ` +
          "cognito-identity:GetOpenIdTokenForDeveloperIdentity on it",
    );
  }
  if (!identityId || !r.authToken) {
    return fail("GetOpenIdTokenForDeveloperIdentity returned no IdentityId or Token. Fix: rerun");
  }
  try {
    return await roleCredentials(r, identityId, "authenticated", {
      [r.t.loginsKey]: r.authToken,
    });
  } catch (err) {
    const e = r.info(err);
    const call = "GetCredentialsForIdentity";
    return fail(
      inconclusive(call, e, false) ??
        `${call} with Logins key ${r.t.loginsKey} was refused (${said(e)}): IAM did not let ` +
          `Cognito assume ${r.t.authenticatedRoleArn}. Fix: ${trustFix(r.t, "authenticated")}`,
    );
  }
}

/** 2. The same token through STS, as the login function does for loginFlow basic. */
export async function basicFlow(r: SmokeRun): Promise<Outcome> {
  if (r.t.loginFlow !== "basic") return skip("not applicable: loginFlow is enhanced");
  if (!r.authToken) return skip("not run: no Cognito token (see authenticated-trust)");
  try {
    const out = await assumeWithToken(r, r.t.authenticatedRoleArn, r.authToken, "basic");
    return r.gotCredentials(out.Credentials)
      ? pass("STS issued credentials of the authenticated role for a Cognito token")
      : fail("AssumeRoleWithWebIdentity returned no credentials. Fix: rerun");
  } catch (err) {
    const e = r.info(err);
    const call = "AssumeRoleWithWebIdentity";
    const fix = classicFlowOff(e)
      ? "the pool must allow the classic flow (AllowClassicFlow true, which the stack sets " +
        `for loginFlow basic); ${rerun(r.t)}`
      : trustFix(r.t, "authenticated");
    return fail(
      inconclusive(call, e, false) ??
        `${call} for ${r.t.authenticatedRoleArn} was refused (${said(e)}). Fix: ${fix}`,
    );
  }
}

/** 3. A guest identity gets credentials of the guest role. */
export async function guestTrust(r: SmokeRun, guestRoleArn: string): Promise<Outcome> {
  let step = "GetId";
  try {
    const id = await r.deps.cognito.send(
      new GetIdCommand({ IdentityPoolId: r.t.identityPoolId }),
      r.bounded(),
    );
    if (id.IdentityId) r.created.push(id.IdentityId);
    r.guestIdentityId = id.IdentityId;
    if (!r.guestIdentityId) return fail("GetId returned no IdentityId. Fix: rerun");
    step = "GetCredentialsForIdentity";
    return await roleCredentials(r, r.guestIdentityId, "unauthenticated");
  } catch (err) {
    const e = r.info(err);
    const fix =
      step === "GetId"
        ? "the pool must allow unauthenticated identities (the stack sets it with allowGuests " +
          `true, which also creates ${guestRoleArn}); ${rerun(r.t)}`
        : trustFix(r.t, "unauthenticated");
    return fail(
      inconclusive(step, e, false) ?? `${step} for a guest was refused (${said(e)}). Fix: ${fix}`,
    );
  }
}

/** 4. The authenticated role's amr condition keeps guests out (basic flow with a guest token). */
export async function guestCannotAssumeAuthenticated(r: SmokeRun): Promise<Outcome> {
  if (!r.guestIdentityId) return skip("not run: no guest identity (see guest-trust)");
  try {
    const out = await r.deps.cognito.send(
      new GetOpenIdTokenCommand({ IdentityId: r.guestIdentityId }),
      r.bounded(),
    );
    r.redactor.add(out.Token);
    r.guestToken = out.Token;
  } catch (err) {
    const e = r.info(err);
    if (classicFlowOff(e)) return skip(`skipped: classic flow off (GetOpenIdToken: ${said(e)})`);
    return fail(
      inconclusive("GetOpenIdToken", e, false) ??
        `GetOpenIdToken for a guest failed (${said(e)}). Fix: rerun; if it persists, check ` +
          "that the pool allows unauthenticated identities",
    );
  }
  if (!r.guestToken) return fail("GetOpenIdToken returned no Token. Fix: rerun");
  try {
    const out = await assumeWithToken(r, r.t.authenticatedRoleArn, r.guestToken, "guest");
    r.gotCredentials(out.Credentials);
  } catch (err) {
    const e = r.info(err);
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
      `gave a guest token credentials of ${r.t.authenticatedRoleArn}). Fix: the trust policy ` +
      "needs ForAnyValue:StringLike <key prefix>:amr = authenticated (infra/iam/trust.ts); " +
      rerun(r.t),
  );
}

/**
 * GetCredentialsForIdentity (with `logins` for an authenticated identity): a pass when Cognito
 * hands out the role's credentials, i.e. IAM accepted the role's trust policy.
 */
async function roleCredentials(
  r: SmokeRun,
  identityId: string,
  kind: "authenticated" | "unauthenticated",
  logins?: Record<string, string>,
): Promise<Outcome> {
  const out = await r.deps.cognito.send(
    new GetCredentialsForIdentityCommand({
      IdentityId: identityId,
      ...(logins ? { Logins: logins } : {}),
    }),
    r.bounded(),
  );
  const role = kind === "authenticated" ? "authenticated" : "guest";
  const c = out.Credentials;
  if (kind === "authenticated" && c?.AccessKeyId && c.SecretKey && c.SessionToken) {
    r.authIdentityId = identityId;
    r.authCredentials = {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretKey,
      sessionToken: c.SessionToken,
    };
  }
  return r.gotCredentials(c)
    ? pass(`Cognito issued credentials of the ${role} role in ${r.t.partition}`)
    : fail(`GetCredentialsForIdentity returned no credentials. Fix: ${trustFix(r.t, kind)}`);
}
