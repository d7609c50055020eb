/**
 * The account-deletion smoke step against a local HTTP server playing the login API (its IAM
 * authorizer recomputes the SigV4 signature) and SDK-level Cognito and STS fakes.
 */
import {
  CognitoIdentityClient,
  DeleteIdentitiesCommand,
  DescribeIdentityCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
  NotAuthorizedException,
  ResourceNotFoundException,
} from "@aws-sdk/client-cognito-identity";
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { parseSmokeTarget, renderCheck, runSmoke, type SmokeReport } from "../../scripts/smoke";
import {
  signatureValid,
  startLocalApi,
  type Answer,
  type LocalApi,
  type Seen,
} from "../support/localApi";
import { deployedOutputs } from "../support/outputs";
import { STACKS } from "../support/stacks";

/** The authenticated role's credentials of the run's developer identity (Cognito's shape). */
const AUTH_CREDS = {
  AccessKeyId: "ASIAAUTHDEL7QX2MZ4KD9",
  SecretKey: "wJalrXUtnFEMI/K7MDENG/authDeletionKeyEXAMPLE",
  SessionToken: "IQoJb3JpZ2luX2VjEAuthDeletionSessionTokenValue",
  Expiration: new Date("2026-01-01T01:00:00Z"),
};
const GUEST_CREDS = {
  AccessKeyId: "ASIAGUESTDEL7QX2MZ4K",
  SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/guestDeletionKeyEXAMPLE",
  SessionToken: "IQoJb3JpZ2luX2VjEGuestDeletionSessionToken",
  Expiration: new Date("2026-01-01T01:00:00Z"),
};
const AUTH_TOKEN = "eyJraWQiOiJkZWwifQ.eyJzdWIiOiJhdXRoIn0.c2lnbmF0dXJlLWF1dGg";
const GUEST_TOKEN = "eyJraWQiOiJndWVzdCJ9.eyJzdWIiOiJndWVzdCJ9.c2lnbmF0dXJlLWd1ZXN0";
const SECRETS = [
  AUTH_CREDS.SecretKey,
  AUTH_CREDS.SessionToken,
  AUTH_CREDS.AccessKeyId,
  GUEST_CREDS.SecretAccessKey,
  GUEST_CREDS.SessionToken,
  AUTH_TOKEN,
  GUEST_TOKEN,
];

const cognito = mockClient(CognitoIdentityClient);
const sts = mockClient(STSClient);

/** How the account route answers (the login route always answers 401 INVALID_CODE). */
let account: (req: Seen) => Promise<Answer>;
let api: LocalApi;

beforeAll(async () => {
  api = await startLocalApi((r) =>
    r.path === "/account"
      ? account(r)
      : Promise.resolve({
          status: 401,
          body: { error: { code: "INVALID_CODE", message: "m", requestId: "r" } },
        }),
  );
});
afterAll(() => api.close());

/** API Gateway's IAM authorizer, for the authenticated role's credentials. */
const signedByAuthenticated = (r: Seen, region: string) =>
  signatureValid(r, region, {
    accessKeyId: AUTH_CREDS.AccessKeyId,
    secretAccessKey: AUTH_CREDS.SecretKey,
    sessionToken: AUTH_CREDS.SessionToken,
  });

const ids = (region: string) => ({
  authId: `${region}:a3c1e0b2-6f4d-4a8e-9b17-0d5c2e7f9a41`,
  guestId: `${region}:71d4b8e2-0c3a-4f59-8e26-b4a9c1d7e053`,
});

/** Cognito and STS as AWS answers a healthy stack; the identity is gone once deleted. */
function answerLikeAws(region: string, outputs: { guestRoleArn: string }) {
  const { authId, guestId } = ids(region);
  const deleted = new Set<string>();
  cognito
    .on(GetOpenIdTokenForDeveloperIdentityCommand)
    .resolves({ IdentityId: authId, Token: AUTH_TOKEN });
  cognito
    .on(GetCredentialsForIdentityCommand, { IdentityId: authId })
    .resolves({ IdentityId: authId, Credentials: AUTH_CREDS });
  cognito
    .on(GetCredentialsForIdentityCommand, { IdentityId: guestId })
    .resolves({ IdentityId: guestId, Credentials: { ...AUTH_CREDS, AccessKeyId: "ASIAGSTX" } });
  cognito.on(GetIdCommand).resolves({ IdentityId: guestId });
  cognito.on(GetOpenIdTokenCommand).resolves({ IdentityId: guestId, Token: GUEST_TOKEN });
  cognito.on(DescribeIdentityCommand).callsFake(async (input: { IdentityId: string }) => {
    if (deleted.has(input.IdentityId)) {
      throw new ResourceNotFoundException({
        message: `Identity '${input.IdentityId}' not found.`,
        $metadata: { httpStatusCode: 400 },
      });
    }
    return { IdentityId: input.IdentityId, Logins: ["login.wechat.myapp"] };
  });
  cognito.on(DeleteIdentitiesCommand).resolves({ UnprocessedIdentityIds: [] });
  sts
    .on(AssumeRoleWithWebIdentityCommand)
    .rejects(Object.assign(new Error("Not authorized"), { name: "AccessDenied" }));
  sts
    .on(AssumeRoleWithWebIdentityCommand, { RoleArn: outputs.guestRoleArn })
    .resolves({ Credentials: GUEST_CREDS });
  return { authId, guestId, deleted };
}

function outputsFor(region: string, extra: Record<string, unknown> = {}) {
  const base = deployedOutputs(region);
  return {
    ...base,
    accountUrl: `${new URL(base.loginUrl).origin}/account`,
    ...extra,
  };
}

async function smoke(stack: string, outputs: unknown) {
  let tick = Date.parse("2026-01-01T00:00:00Z");
  const lines: string[] = [];
  const report = await runSmoke(
    {
      cognito: new CognitoIdentityClient({ region: "us-east-1" }),
      sts: new STSClient({ region: "us-east-1" }),
      now: () => new Date((tick += 1000)),
      random: () => "0f3c9a7e",
      login: api.transport,
    },
    outputs,
    { stack, callTimeoutMs: 2000, onCheck: (c) => lines.push(renderCheck(c)) },
  );
  const check = (name: string) => report.checks.find((c) => c.name === name);
  return { report, lines, deletion: check("account-deletion"), cleanup: check("cleanup") };
}

/** No token, key or signature in any printed line or the report. */
function expectNoSecret(lines: string[], report: SmokeReport) {
  const text = `${lines.join("\n")}\n${JSON.stringify(report)}`;
  const signatures = api.seen.flatMap((r) => {
    const found = /Signature=(\w+)/.exec(String(r.headers.authorization ?? ""))?.[1];
    return found ? [found] : [];
  });
  expect(signatures.length).toBeGreaterThan(0);
  for (const secret of [...SECRETS, ...signatures]) {
    expect(text).not.toContain(secret);
    expect(text).not.toContain(secret.slice(0, 24));
  }
  expect(text).not.toMatch(/eyJ[\w-]{8}/);
  expect(text).not.toMatch(/ASIA[A-Z0-9]{12}/);
}

const deletions = () =>
  cognito.commandCalls(DeleteIdentitiesCommand).map((c) => c.args[0].input.IdentityIdsToDelete);

beforeEach(() => {
  cognito.reset();
  sts.reset();
  api.reset();
});

describe.each(STACKS)("account-deletion step of $stack", ({ stack, region, partition }) => {
  it("deletes the run's own identity through the signed route: 200, then DescribeIdentity finds it gone", async () => {
    const outputs = outputsFor(region);
    const f = answerLikeAws(region, outputs);
    account = async (r) => {
      if (!(await signedByAuthenticated(r, region))) {
        return { status: 403, body: { message: "Forbidden" } };
      }
      f.deleted.add(f.authId);
      return { status: 200, body: { deleted: true, identityId: f.authId } };
    };
    const { report, lines, deletion, cleanup } = await smoke(stack, outputs);

    expect(deletion).toMatchObject({
      status: "pass",
      detail: expect.stringContaining(`DeleteIdentities grant works in ${partition}`),
    });
    expect(lines).toContain("✔ account-deletion");
    const request = api.seen.find((r) => r.path === "/account");
    expect(request).toMatchObject({
      method: "DELETE",
      body: "",
      headers: {
        host: new URL(outputs.loginUrl).host,
        "x-amz-security-token": AUTH_CREDS.SessionToken,
      },
    });
    expect(cognito.commandCalls(DescribeIdentityCommand).map((c) => c.args[0].input)).toEqual([
      { IdentityId: f.authId },
    ]);
    // Cleanup deletes only what is left: the guest identity, not the one proved gone.
    expect(deletions()).toEqual([[f.guestId]]);
    expect(cleanup).toMatchObject({
      status: "pass",
      detail: `deleted ${f.guestId}; ${f.authId} already deleted`,
    });
    expect(report.ok).toBe(true);
    expectNoSecret(lines, report);
  });

  it("fails on the function's 500, pointing at the DeleteIdentities grant and its condition key; cleanup deletes the identity", async () => {
    const outputs = outputsFor(region);
    const f = answerLikeAws(region, outputs);
    account = async () => ({
      status: 500,
      body: { error: { code: "INTERNAL", message: "Internal error.", requestId: "r-9" } },
    });
    const { report, lines, deletion, cleanup } = await smoke(stack, outputs);

    expect(deletion?.status).toBe("fail");
    const line = lines.find((l) => l.startsWith("✖ account-deletion: "));
    expect(line).toMatch(/answered 500 INTERNAL: the account function could not delete/);
    expect(line).toContain("cognito-identity:DeleteIdentities");
    expect(line).toContain("cognito-identity:IdentityPoolArn");
    expect(line).toContain('docs/aws-china.md, "Cognito"');
    expect(line).toMatch(/Fix: .*log group/);
    // In aws-cn, where the key is unverified, the fix is the setting; elsewhere the grant.
    if (partition === "aws-cn") {
      expect(line).toContain(
        `pulumi config set accountDeletionPoolCondition if-present --stack ${stack}`,
      );
    } else {
      expect(line).not.toContain("accountDeletionPoolCondition");
      expect(line).toContain("DeleteIdentitiesOfPool statement must name this stack's pool");
    }
    expect(line).not.toContain("\n");
    expect(cognito.commandCalls(DescribeIdentityCommand)).toHaveLength(0);
    expect(deletions()).toEqual([[f.authId, f.guestId]]);
    expect(cleanup?.status).toBe("pass");
    expect(report.ok).toBe(false);
    expectNoSecret(lines, report);
  });

  it("fails on API Gateway's 403, naming execute-api:Invoke of the authenticated role", async () => {
    const outputs = outputsFor(region);
    const f = answerLikeAws(region, outputs);
    // An authorizer message that echoes the caller's credentials must not reach the output.
    account = async () => ({
      status: 403,
      body: { message: `User ${AUTH_CREDS.AccessKeyId} with ${AUTH_CREDS.SessionToken} denied` },
    });
    const { report, lines, deletion } = await smoke(stack, outputs);

    expect(deletion?.status).toBe("fail");
    expect(deletion?.detail).toMatch(/API Gateway refused the signed request/);
    expect(deletion?.detail).toContain("execute-api:Invoke on DELETE /account");
    expect(deletion?.detail).toContain("account-authenticated-invoke");
    expect(deletion?.detail).toContain("[redacted]");
    expect(deletions()).toEqual([[f.authId, f.guestId]]);
    expect(report.ok).toBe(false);
    expectNoSecret(lines, report);
  });

  it("fails when the route answers 200 yet Cognito still has the identity", async () => {
    const outputs = outputsFor(region);
    const f = answerLikeAws(region, outputs);
    account = async () => ({ status: 200, body: { deleted: true, identityId: f.authId } });
    const { report, deletion, cleanup } = await smoke(stack, outputs);

    expect(deletion?.status).toBe("fail");
    expect(deletion?.detail).toContain(`Cognito still has ${f.authId}`);
    // Not proved gone, so cleanup deletes it.
    expect(deletions()).toEqual([[f.authId, f.guestId]]);
    expect(cleanup?.status).toBe("pass");
    expect(report.ok).toBe(false);
  });

  it("fails a 200 that names another identity", async () => {
    const outputs = outputsFor(region);
    const f = answerLikeAws(region, outputs);
    account = async () => ({ status: 200, body: { deleted: true, identityId: f.guestId } });
    const { deletion } = await smoke(stack, outputs);
    expect(deletion?.status).toBe("fail");
    expect(deletion?.detail).toContain(`not {"deleted": true, "identityId": "${f.authId}"}`);
    expect(cognito.commandCalls(DescribeIdentityCommand)).toHaveLength(0);
  });

  it("gives no verdict on 503, and cleanup treats an identity already gone as deleted", async () => {
    const outputs = outputsFor(region);
    const f = answerLikeAws(region, outputs);
    // The function deleted the identity, then a table call timed out (503 Retry-After).
    account = async () => {
      f.deleted.add(f.authId);
      return {
        status: 503,
        body: { error: { code: "UPSTREAM_UNAVAILABLE", message: "m", requestId: "r" } },
      };
    };
    cognito
      .on(DeleteIdentitiesCommand)
      .callsFake(async (input: { IdentityIdsToDelete: string[] }) => {
        if (input.IdentityIdsToDelete.some((id) => f.deleted.has(id))) {
          throw new ResourceNotFoundException({
            message: "Identity not found",
            $metadata: { httpStatusCode: 400 },
          });
        }
        return { UnprocessedIdentityIds: [] };
      });
    const { deletion, cleanup } = await smoke(stack, outputs);

    expect(deletion?.status).toBe("fail");
    expect(deletion?.detail).toMatch(/no verdict.*Fix: rerun/);
    expect(deletions()).toEqual([[f.authId, f.guestId], [f.authId], [f.guestId]]);
    expect(cleanup).toMatchObject({ status: "pass", detail: `deleted ${f.authId}, ${f.guestId}` });
  });

  it.each([
    [
      403,
      "NOT_AUTHENTICATED",
      /did not take the signer for an authenticated identity.*IDENTITY_POOL_ID/,
    ],
    [404, undefined, /no such route\. Fix: the URL must be the stack's accountUrl output/],
    [429, undefined, /throttled\. Fix: rerun in a minute/],
    [502, undefined, /the account function could not delete/],
  ])("explains %d %s", async (status, code, cause) => {
    const outputs = outputsFor(region);
    const f = answerLikeAws(region, outputs);
    account = async () => ({
      status,
      body: code ? { error: { code, message: "m", requestId: "r" } } : { message: "Not Found" },
    });
    const { deletion } = await smoke(stack, outputs);
    expect(deletion?.status).toBe("fail");
    expect(deletion?.detail).toMatch(cause);
    expect(deletions()).toEqual([[f.authId, f.guestId]]);
  });

  it("names the deployer's DescribeIdentity permission when it is denied after the 200", async () => {
    const outputs = outputsFor(region);
    const f = answerLikeAws(region, outputs);
    account = async () => ({ status: 200, body: { deleted: true, identityId: f.authId } });
    cognito.on(DescribeIdentityCommand).rejects(
      new NotAuthorizedException({
        message: "not authorized to perform: cognito-identity:DescribeIdentity",
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const { deletion } = await smoke(stack, outputs);
    expect(deletion?.status).toBe("fail");
    expect(deletion?.detail).toMatch(
      /DescribeIdentity of .* failed after the route's 200 .*Fix: grant the deployer cognito-identity:DescribeIdentity/,
    );
  });

  it("reports a route that does not resolve as the accountUrl output's DNS", async () => {
    const outputs = outputsFor(region);
    answerLikeAws(region, outputs);
    const report = await runSmoke(
      {
        cognito: new CognitoIdentityClient({ region: "us-east-1" }),
        sts: new STSClient({ region: "us-east-1" }),
        random: () => "0f3c9a7e",
        login: async (req) => {
          if (req.method === "DELETE") {
            throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
          }
          return { status: 401, headers: {}, body: '{"error":{"code":"INVALID_CODE"}}' };
        },
      },
      outputs,
      { stack },
    );
    expect(report.checks.find((c) => c.name === "account-deletion")?.detail).toMatch(
      /does not resolve \(ENOTFOUND\)\. Fix: check the accountUrl output/,
    );
  });

  it("skips when the stack has no accountUrl output", async () => {
    const { accountUrl: _url, ...outputs } = outputsFor(region);
    answerLikeAws(region, outputs);
    account = async () => {
      throw new Error("the account route must not be called");
    };
    const { deletion, cleanup } = await smoke(stack, outputs);
    expect(deletion).toEqual({
      name: "account-deletion",
      status: "skip",
      detail: "not applicable: the stack has no accountUrl output",
    });
    expect(api.seen.filter((r) => r.path === "/account")).toHaveLength(0);
    expect(cleanup?.status).toBe("pass");
  });

  it("skips when authenticated-trust got no credentials", async () => {
    const outputs = outputsFor(region);
    const f = answerLikeAws(region, outputs);
    cognito.on(GetCredentialsForIdentityCommand, { IdentityId: f.authId }).rejects(
      new NotAuthorizedException({
        message: "Not authorized to perform sts:AssumeRoleWithWebIdentity",
        $metadata: { httpStatusCode: 400 },
      }),
    );
    account = async () => {
      throw new Error("the account route must not be called");
    };
    const { report, deletion } = await smoke(stack, outputs);
    expect(report.checks.find((c) => c.name === "authenticated-trust")?.status).toBe("fail");
    expect(deletion).toMatchObject({
      status: "skip",
      detail: "not run: no authenticated-role credentials (see authenticated-trust)",
    });
    expect(api.seen.filter((r) => r.path === "/account")).toHaveLength(0);
    expect(deletions()).toEqual([[f.authId, f.guestId]]);
  });
});

describe.each(STACKS)("accountUrl of $stack", ({ stack, region }) => {
  it("is the account route on the login API's host", () => {
    const outputs = outputsFor(region);
    expect(parseSmokeTarget(stack, outputs).account).toMatchObject({
      url: outputs.accountUrl,
      auth: "iam",
    });
  });

  it.each([
    ["another host", "https://elsewhere.example.com/account"],
    ["another path", "https://a1b2c3d4e5.execute-api.x/users"],
    ["plain http", "http://a1b2c3d4e5.execute-api.x/account"],
  ])("is refused on %s", (_label, url) => {
    const fixed = url.replace(
      "a1b2c3d4e5.execute-api.x",
      new URL(deployedOutputs(region).loginUrl).host,
    );
    expect(() => parseSmokeTarget(stack, outputsFor(region, { accountUrl: fixed }))).toThrow(
      /accountUrl: /,
    );
  });
});
