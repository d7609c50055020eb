import {
  CognitoIdentityClient,
  DeleteIdentitiesCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
  InvalidParameterException,
} from "@aws-sdk/client-cognito-identity";
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { runSmoke, type SmokeReport } from "../../scripts/smoke";
import { judgeLoginResponse, type LoginTransport } from "../../scripts/smokeLogin";
import {
  signatureValid,
  startLocalApi,
  type Answer,
  type LocalApi,
  type Seen,
} from "../support/localApi";
import { deployedOutputs } from "../support/outputs";
import { STACKS } from "../support/stacks";

const GUEST_CREDS = {
  AccessKeyId: "ASIAGUESTSIGN7QX2MZ4K",
  SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/guestSigningKeyEXAMPLE",
  SessionToken: "IQoJb3JpZ2luX2VjEGuestSessionTokenForSigningTheLogin",
  Expiration: new Date("2026-01-01T01:00:00Z"),
};
const GUEST_TOKEN = "eyJraWQiOiJjbi0xIn0.eyJzdWIiOiJndWVzdCJ9.c2lnbmF0dXJl";

const cognito = mockClient(CognitoIdentityClient);
const sts = mockClient(STSClient);

/** The login API on a local server; `answer` decides each response. */
let api: LocalApi;
let answer: (req: Seen) => Promise<Answer>;

beforeAll(async () => {
  api = await startLocalApi((r) => answer(r));
});
afterAll(() => api.close());

const invalidCode = async () => ({
  status: 401,
  body: {
    error: { code: "INVALID_CODE", message: "The WeChat login code is invalid.", requestId: "r" },
  },
});

function outputsFor(region: string, opts: { auth: "none" | "iam"; domain?: string }) {
  const custom = opts.domain
    ? {
        loginUrl: `https://${opts.domain}/login/wechat`,
        loginAppIds: ["wx8f3a61c2d94be705"],
        loginDomainName: opts.domain,
        loginDefaultEndpointDisabled: true,
      }
    : {};
  return deployedOutputs(region, { loginAuth: opts.auth, ...custom });
}

function answerLikeAws(region: string) {
  const authId = `${region}:a3c1e0b2-6f4d-4a8e-9b17-0d5c2e7f9a41`;
  const guestId = `${region}:71d4b8e2-0c3a-4f59-8e26-b4a9c1d7e053`;
  cognito
    .on(GetOpenIdTokenForDeveloperIdentityCommand)
    .resolves({ IdentityId: authId, Token: "eyJhdXRoIjoxfQ.eyJzdWIiOiJhdXRoIn0.c2ln" });
  cognito.on(GetCredentialsForIdentityCommand).resolves({
    Credentials: {
      AccessKeyId: "ASIAAUTHX7QX2MZ4KD9LP",
      SecretKey: "wJalrXUtnFEMI/K7MDENG/authKeyEXAMPLEKEY",
      SessionToken: "IQoJb3JpZ2luX2VjEAuthSessionTokenValue",
    },
  });
  cognito.on(GetIdCommand).resolves({ IdentityId: guestId });
  cognito.on(GetOpenIdTokenCommand).resolves({ IdentityId: guestId, Token: GUEST_TOKEN });
  cognito.on(DeleteIdentitiesCommand).resolves({ UnprocessedIdentityIds: [] });
  sts
    .on(AssumeRoleWithWebIdentityCommand)
    .rejects(Object.assign(new Error("Not authorized"), { name: "AccessDenied" }));
  sts
    .on(AssumeRoleWithWebIdentityCommand, {
      RoleArn: outputsFor(region, { auth: "iam" }).guestRoleArn,
    })
    .resolves({ Credentials: GUEST_CREDS });
  return { guestId };
}

async function smoke(stack: string, outputs: unknown, login: LoginTransport = api.transport) {
  let tick = Date.parse("2026-01-01T00:00:00Z");
  const report = await runSmoke(
    {
      cognito: new CognitoIdentityClient({ region: "us-east-1" }),
      sts: new STSClient({ region: "us-east-1" }),
      now: () => new Date((tick += 1000)),
      random: () => "0f3c9a7e",
      login,
    },
    outputs,
    { stack, callTimeoutMs: 2000 },
  );
  return { report, route: report.checks.find((c) => c.name === "login-route") };
}

const noSecrets = (report: SmokeReport) => {
  const text = JSON.stringify(report);
  for (const v of [GUEST_CREDS.SecretAccessKey, GUEST_CREDS.SessionToken, GUEST_TOKEN]) {
    expect(text).not.toContain(v);
  }
};

beforeEach(() => {
  cognito.reset();
  sts.reset();
  api.reset();
  answer = invalidCode;
});

describe.each(STACKS)("login-route step of $stack", ({ stack, region }) => {
  it("posts an invalid code, unsigned, to the custom domain of a public route: 401 passes", async () => {
    answerLikeAws(region);
    const { report, route } = await smoke(
      stack,
      outputsFor(region, { auth: "none", domain: "login.example.cn" }),
    );
    expect(route).toMatchObject({
      status: "pass",
      detail: expect.stringContaining("login.example.cn"),
    });
    expect(api.seen).toHaveLength(1);
    expect(api.seen[0]).toMatchObject({
      method: "POST",
      path: "/login/wechat",
      headers: { host: "login.example.cn", "content-type": "application/json" },
    });
    expect(api.seen[0]?.headers.authorization).toBeUndefined();
    expect(JSON.parse(api.seen[0]?.body ?? "")).toEqual({
      code: expect.stringMatching(/^smoke-invalid-code-/),
    });
    expect(report.ok).toBe(true);
  });

  it("posts an invalid code for the first OAuth app to the OAuth route, on the same domain", async () => {
    answerLikeAws(region);
    const outputs = {
      ...outputsFor(region, { auth: "none", domain: "login.example.cn" }),
      oauthLoginUrl: "https://login.example.cn/login/wechat/oauth",
      oauthAppIds: ["wx3c9e0b7d25a4f618", "wx00000000000000ff"],
    };
    const { report } = await smoke(stack, outputs);
    expect(report.checks.find((c) => c.name === "oauth-login-route")).toMatchObject({
      status: "pass",
      detail: expect.stringContaining("401 INVALID_CODE from login.example.cn"),
    });
    expect(api.seen.map((r) => [r.path, JSON.parse(r.body)])).toEqual([
      ["/login/wechat", { code: expect.stringMatching(/^smoke-invalid-code-/) }],
      [
        "/login/wechat/oauth",
        { appId: "wx3c9e0b7d25a4f618", code: expect.stringMatching(/^smoke-invalid-code-/) },
      ],
    ]);
    expect(report.ok).toBe(true);
  });

  it("fails the OAuth route alone when it answers anything but 401 INVALID_CODE", async () => {
    answerLikeAws(region);
    answer = async (r) =>
      r.path.endsWith("/oauth")
        ? { status: 400, body: { error: { code: "UNKNOWN_APP", message: "x", requestId: "r" } } }
        : invalidCode();
    const outputs = {
      ...outputsFor(region, { auth: "none", domain: "login.example.cn" }),
      oauthLoginUrl: "https://login.example.cn/login/wechat/oauth",
      oauthAppIds: ["wx3c9e0b7d25a4f618"],
    };
    const { report, route } = await smoke(stack, outputs);
    expect(route?.status).toBe("pass");
    expect(report.checks.find((c) => c.name === "oauth-login-route")?.status).toBe("fail");
    expect(report.ok).toBe(false);
  });

  it("signs for loginAuth iam with basic-flow guest credentials (SigV4, execute-api)", async () => {
    const { guestId } = answerLikeAws(region);
    const outputs = outputsFor(region, { auth: "iam" });
    answer = async (r) =>
      (await signatureValid(r, region, {
        accessKeyId: GUEST_CREDS.AccessKeyId,
        secretAccessKey: GUEST_CREDS.SecretAccessKey,
        sessionToken: GUEST_CREDS.SessionToken,
      }))
        ? invalidCode()
        : { status: 403, body: { message: "The request signature we calculated does not match" } };
    const { report, route } = await smoke(stack, outputs);

    expect(route).toMatchObject({ status: "pass" });
    expect(api.seen[0]?.headers["x-amz-security-token"]).toBe(GUEST_CREDS.SessionToken);
    expect(String(api.seen[0]?.headers.authorization)).toMatch(
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=${GUEST_CREDS.AccessKeyId}/\\d{8}/${region}/execute-api/aws4_request, `,
      ),
    );
    // Basic flow: the guest token through STS on the guest role (not enhanced-flow credentials).
    const guestRole = sts
      .commandCalls(AssumeRoleWithWebIdentityCommand)
      .map((c) => c.args[0].input)
      .filter((i) => i.RoleArn === outputs.guestRoleArn);
    expect(guestRole).toEqual([
      expect.objectContaining({ WebIdentityToken: GUEST_TOKEN, DurationSeconds: 900 }),
    ]);
    expect(report.createdIdentityIds).toContain(guestId);
    expect(report.checks.find((c) => c.name === "cleanup")?.status).toBe("pass");
    noSecrets(report);
  });

  it("explains a 403 of a signed route: guest session policy, missing Invoke grant", async () => {
    answerLikeAws(region);
    answer = async () => ({ status: 403, body: { message: "Forbidden" } });
    const { report, route } = await smoke(stack, outputsFor(region, { auth: "iam" }));
    expect(route?.status).toBe("fail");
    expect(route?.detail).toMatch(/answered 403 \("Forbidden"\), not 401 INVALID_CODE/);
    expect(route?.detail).toContain("execute-api:Invoke");
    expect(route?.detail).toContain("AmazonCognitoUnAuthedIdentitiesSessionPolicy");
    expect(route?.detail).toMatch(/Fix: .*pulumi up --stack /);
    expect(report.ok).toBe(false);
    noSecrets(report);
  });

  it("explains a 403 of a public route on a custom domain: ICP (China), domain mapping", async () => {
    answerLikeAws(region);
    answer = async () => ({ status: 403, body: { message: "Forbidden" } });
    const { route } = await smoke(
      stack,
      outputsFor(region, { auth: "none", domain: "login.example.cn" }),
    );
    expect(route?.detail).toContain("no API mapping");
    if (region.startsWith("cn-")) expect(route?.detail).toMatch(/ICP filing.*icpFilingNumber/);
    else expect(route?.detail).not.toContain("ICP");
  });

  it.each([
    [503, "UPSTREAM_UNAVAILABLE", /WeChat's API or Secrets Manager is unreachable/],
    [500, "INTERNAL", /cannot read the WeChat AppSecret from Secrets Manager/],
    [404, undefined, /no such route\. Fix: the URL must be the stack's loginUrl output/],
    [200, undefined, /a deliberately invalid code logged in/],
  ])("reports %d %s with its likely cause", async (status, code, cause) => {
    answerLikeAws(region);
    answer = async () => ({
      status,
      body: code ? { error: { code, message: "m", requestId: "r" } } : { message: "Not Found" },
    });
    const { route } = await smoke(stack, outputsFor(region, { auth: "none" }));
    expect(route?.status).toBe("fail");
    expect(route?.detail).toMatch(cause);
    expect(route?.detail).toMatch(/Fix: /);
  });

  it("names the DNS record when the custom domain does not resolve", async () => {
    answerLikeAws(region);
    const dns: LoginTransport = async () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND login.example.cn"), {
        code: "ENOTFOUND",
      });
    };
    const { route } = await smoke(
      stack,
      outputsFor(region, { auth: "none", domain: "login.example.cn" }),
      dns,
    );
    expect(route?.detail).toMatch(
      /login\.example\.cn does not resolve \(ENOTFOUND\)\. Fix: create the DNS record/,
    );
  });

  it("fails loginAuth iam when the classic flow is off, naming AllowClassicFlow", async () => {
    answerLikeAws(region);
    cognito.on(GetOpenIdTokenCommand).rejects(
      new InvalidParameterException({
        message: "Basic (classic) flow is not enabled, please use enhanced flow.",
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const { route } = await smoke(stack, outputsFor(region, { auth: "iam" }));
    expect(route?.status).toBe("fail");
    expect(route?.detail).toMatch(/AllowClassicFlow true/);
    expect(api.seen).toHaveLength(0);
  });
});

describe("the smoke check's verdict on a missing route", () => {
  it.each([
    ["/login/wechat", "loginUrl"],
    ["/login/wechat/oauth", "oauthLoginUrl"],
  ])("names the output of %s (%s)", (path, output) => {
    const detail = judgeLoginResponse(
      {
        stack: "dev",
        partition: "aws",
        auth: "none",
        url: `https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com${path}`,
        domain: undefined,
        defaultEndpointDisabled: false,
      },
      { status: 404, headers: {}, body: '{"message":"Not Found"}' },
    );
    expect(detail).toContain(`the URL must be the stack's ${output} output`);
  });
});
