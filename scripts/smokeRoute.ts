/**
 * The login-route smoke checks: one POST of an invalid WeChat code to the stack's login URL (and
 * one to its OAuth URL, naming its first OAuth app, when it has one),
 * signed with basic-flow guest credentials when `loginAuth` is `iam` (scripts/smokeLogin.ts
 * builds and judges the request).
 */
import { GetIdCommand, GetOpenIdTokenCommand } from "@aws-sdk/client-cognito-identity";
import {
  httpTransport,
  judgeLoginFailure,
  judgeLoginResponse,
  loginRequest,
  type RouteContext,
  type SigningCredentials,
} from "./smokeLogin";
import { assumeWithToken, type SmokeRun } from "./smokeRun";
import {
  classicFlowOff,
  fail,
  inconclusive,
  pass,
  rerun,
  said,
  skip,
  trustFix,
  type Outcome,
} from "./smokeTarget";

/**
 * Basic-flow guest credentials, as an app gets them to sign the login (GetId ->
 * GetOpenIdToken -> AssumeRoleWithWebIdentity on the guest role); reuses the guest identity and
 * token of the earlier checks. Returns the credentials, or the failure detail.
 */
export async function basicGuestCredentials(
  r: SmokeRun,
  guestRoleArn: string,
): Promise<SigningCredentials | { fail: string }> {
  let step = "GetId";
  try {
    if (!r.guestIdentityId) {
      const id = await r.deps.cognito.send(
        new GetIdCommand({ IdentityPoolId: r.t.identityPoolId }),
        r.bounded(),
      );
      if (id.IdentityId) r.created.push(id.IdentityId);
      r.guestIdentityId = id.IdentityId;
      if (!r.guestIdentityId) return { fail: "GetId returned no IdentityId. Fix: rerun" };
    }
    step = "GetOpenIdToken";
    if (!r.guestToken) {
      const out = await r.deps.cognito.send(
        new GetOpenIdTokenCommand({ IdentityId: r.guestIdentityId }),
        r.bounded(),
      );
      r.redactor.add(out.Token);
      r.guestToken = out.Token;
      if (!r.guestToken) return { fail: "GetOpenIdToken returned no Token. Fix: rerun" };
    }
    step = "AssumeRoleWithWebIdentity";
    const out = await assumeWithToken(r, guestRoleArn, r.guestToken, "login");
    const c = out.Credentials;
    if (!r.gotCredentials(c) || !c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
      return { fail: "AssumeRoleWithWebIdentity returned no credentials. Fix: rerun" };
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
    };
  } catch (err) {
    const e = r.info(err);
    const fix = classicFlowOff(e)
      ? "loginAuth iam needs the pool's classic flow on (AllowClassicFlow true), so guests " +
        `can get basic-flow credentials to sign the login; ${rerun(r.t)}`
      : trustFix(r.t, "unauthenticated");
    return {
      fail:
        inconclusive(step, e, false) ??
        `${step} for a basic-flow guest (to sign the login) was refused (${said(e)}). Fix: ${fix}`,
    };
  }
}

/** 5. The login route itself: an invalid code must come back 401 INVALID_CODE. */
export async function loginRoute(r: SmokeRun): Promise<Outcome> {
  if (r.t.route === undefined) return skip("not applicable: the stack has no mini-program app");
  return probeRoute(r, r.t.route);
}

/**
 * 6. The OAuth route, when the stack has an OAuth app: an invalid code for its first app must
 * come back 401 INVALID_CODE too, which also proves that app's AppID and secret with WeChat.
 */
export async function oauthLoginRoute(r: SmokeRun): Promise<Outcome> {
  const route = r.t.oauthRoute;
  if (route === undefined) return skip("not applicable: the stack has no OAuth app");
  return probeRoute(r, route, route.appId);
}

async function probeRoute(r: SmokeRun, route: RouteContext, appId?: string): Promise<Outcome> {
  let signing: SigningCredentials | undefined;
  if (route.auth === "iam") {
    if (!r.t.guestRoleArn) return fail("loginAuth iam without a guest role. Fix: allowGuests true");
    const got = await basicGuestCredentials(r, r.t.guestRoleArn);
    if ("fail" in got) return fail(got.fail);
    signing = got;
  }
  const request = await loginRequest(
    route.url,
    `smoke-invalid-code-${r.suffix}`.slice(0, 64),
    signing && { region: r.t.region, credentials: signing, date: r.now() },
    appId,
  );
  let response;
  try {
    response = await (r.deps.login ?? httpTransport)(request, AbortSignal.timeout(r.timeoutMs));
  } catch (err) {
    const verdict = judgeLoginFailure(route, err);
    return fail(
      verdict.transient ? `no verdict: ${verdict.detail}` : `${route.url}: ${verdict.detail}`,
    );
  }
  const problem = judgeLoginResponse(route, response);
  if (problem !== undefined) return fail(r.redactor.redact(problem));
  return pass(
    `401 INVALID_CODE from ${new URL(route.url).host} (${route.auth === "iam" ? "signed by a basic-flow guest" : "public"}): ` +
      "DNS, TLS, route, authorization, function, secret and WeChat all answered",
  );
}
