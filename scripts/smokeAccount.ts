/**
 * The `account-deletion` smoke check: the run's own throwaway developer identity (the
 * `smoke-test#<random>` one authenticated-trust created) deletes itself through the real
 * self-service route, `DELETE accountUrl` SigV4-signed with its authenticated-role credentials
 * (docs/users.md, "Account deletion"), and DescribeIdentity with the deployer's credentials must
 * then find it gone. This is what proves, in aws-cn above all, that the account function's
 * `DeleteIdentities` grant (on `*`, pinned by the `cognito-identity:IdentityPoolArn` condition
 * key) matches the real request (docs/cognito.md, "IAM of the functions' calls";
 * docs/aws-china.md, "Cognito").
 */
import { DescribeIdentityCommand } from "@aws-sdk/client-cognito-identity";
import { PARTITIONS } from "../core/partition";
import {
  bodySaid,
  httpTransport,
  judgeLoginFailure,
  signRequest,
  type LoginHttpResponse,
  type RouteContext,
} from "./smokeLogin";
import type { SmokeRun } from "./smokeRun";
import { fail, inconclusive, pass, rerun, said, skip, type Outcome } from "./smokeTarget";

/** Where the facts behind a refused deletion are (the condition key is unverified in aws-cn). */
const DELETION_IAM_DOCS = `docs/cognito.md, "IAM of the functions' calls" and docs/aws-china.md, "Cognito"`;

/** 7. The self-service route deletes the caller's own identity, and Cognito no longer has it. */
export async function accountDeletion(r: SmokeRun): Promise<Outcome> {
  const route = r.t.account;
  if (route === undefined) return skip("not applicable: the stack has no accountUrl output");
  const identityId = r.authIdentityId;
  const credentials = r.authCredentials;
  if (identityId === undefined || credentials === undefined) {
    return skip("not run: no authenticated-role credentials (see authenticated-trust)");
  }
  const request = await signRequest(
    { url: route.url, method: "DELETE", headers: { host: new URL(route.url).host }, body: "" },
    { region: r.t.region, credentials, date: r.now() },
  );
  let response: LoginHttpResponse;
  try {
    response = await (r.deps.login ?? httpTransport)(request, AbortSignal.timeout(r.timeoutMs));
  } catch (err) {
    const verdict = judgeLoginFailure(route, err, "DELETE");
    return fail(
      verdict.transient ? `no verdict: ${verdict.detail}` : `${route.url}: ${verdict.detail}`,
    );
  }
  const problem = judgeDeletionResponse(r, route, response, identityId);
  if (problem !== undefined) return fail(r.redactor.redact(problem));
  return describeGone(r, identityId);
}

/** Undefined for `200 {"deleted": true, "identityId": <the caller's>}`, else the failure. */
function judgeDeletionResponse(
  r: SmokeRun,
  route: RouteContext,
  res: LoginHttpResponse,
  identityId: string,
): string | undefined {
  const { code, message } = bodySaid(res);
  const answer = `${res.status}${code ? ` ${code}` : ""}${message ? ` ("${message}")` : ""}`;
  const head = `DELETE ${route.url} answered ${answer}`;
  const again = rerun(r.t);
  if (res.status === 200) {
    let body: unknown;
    try {
      body = JSON.parse(res.body);
    } catch {
      body = undefined;
    }
    const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
    if (b["deleted"] === true && b["identityId"] === identityId) return undefined;
    return (
      `${head}, but not {"deleted": true, "identityId": "${identityId}"} (docs/users.md, ` +
      `"Account deletion"). Fix: the route must reach the account function of this version ` +
      `(functions/account), ${again}`
    );
  }
  if (res.status === 403 && code === "NOT_AUTHENTICATED") {
    return (
      `${head}: the account function did not take the signer for an authenticated identity of ` +
      `pool ${r.t.identityPoolId}. Fix: the function's IDENTITY_POOL_ID must be this stack's ` +
      `pool and the authorizer context must carry the caller's Cognito identity, ${again}`
    );
  }
  if (res.status === 403) {
    return (
      `${head}: API Gateway refused the signed request. Likely: the authenticated role lacks ` +
      `execute-api:Invoke on DELETE ${new URL(route.url).pathname} (the role policy ` +
      `account-authenticated-invoke, and its permissions boundary, in the plan). Fix: correct ` +
      `that, ${again}`
    );
  }
  if (res.status === 404) {
    return (
      `${head}: no such route. Fix: the URL must be the stack's accountUrl output` +
      (route.domain ? ` and ${route.domain} needs an API mapping to this API` : "") +
      `; ${again}`
    );
  }
  if (res.status === 429) return `${head}: throttled. Fix: rerun in a minute`;
  if (res.status === 503 || res.status === 504) {
    return (
      `${head}: no verdict, Cognito or DynamoDB did not answer the function in time. Fix: ` +
      "rerun; if it persists, read the account function's log group in the plan"
    );
  }
  if (res.status >= 500) {
    const grant =
      "its role is denied cognito-identity:DeleteIdentities, granted on * only with " +
      "cognito-identity:IdentityPoolArn = the pool's ARN";
    const log =
      "read the account function's log group for account_deletion_failed; if it says " +
      "cognito-identity denied access";
    // Where AWS documents the key, a denial is a wrong grant; in aws-cn it may be the key.
    return PARTITIONS[r.t.partition].poolArnConditionKeyDocumented
      ? `${head}: the account function could not delete (likely: ${grant}; ${DELETION_IAM_DOCS}). ` +
          `Fix: ${log}, the plan's DeleteIdentitiesOfPool statement must name this stack's pool, ${again}`
      : `${head}: the account function could not delete (likely: ${grant}, a condition key ` +
          `this partition may not set: ${DELETION_IAM_DOCS}). Fix: ${log}, ` +
          `pulumi config set accountDeletionPoolCondition if-present --stack ${r.t.stack} ` +
          `(StringEqualsIfExists: pinned wherever the key is set), ${again}`;
  }
  return `${head}, not 200. Fix: compare docs/users.md, "Account deletion", ${again}`;
}

/** After a 200: DescribeIdentity (the deployer's credentials) must answer ResourceNotFound. */
async function describeGone(r: SmokeRun, identityId: string): Promise<Outcome> {
  try {
    await r.deps.cognito.send(new DescribeIdentityCommand({ IdentityId: identityId }), r.bounded());
  } catch (err) {
    const e = r.info(err);
    if (e.name === "ResourceNotFoundException") {
      r.gone.add(identityId);
      return pass(
        `the identity deleted itself through the signed route (200) and Cognito no longer ` +
          `has it: the account function's DeleteIdentities grant works in ${r.t.partition}`,
      );
    }
    return fail(
      inconclusive("DescribeIdentity", e, true) ??
        `DescribeIdentity of ${identityId} failed after the route's 200 (${said(e)}). Fix: ` +
          "grant the deployer cognito-identity:DescribeIdentity (on * with the " +
          'cognito-identity:IdentityPoolArn condition, docs/users.md, "Operator commands"), ' +
          `then rerun npm run smoke -- --stack ${r.t.stack}`,
    );
  }
  return fail(
    `the route answered 200 deleted, yet Cognito still has ${identityId} (DescribeIdentity ` +
      "found it). Fix: read the account function's log group in the plan for its " +
      `DeleteIdentities call (${DELETION_IAM_DOCS}), ${rerun(r.t)}`,
  );
}
