import {
  CognitoIdentityClient,
  CognitoIdentityServiceException,
  DeleteIdentitiesCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
  InvalidIdentityPoolConfigurationException,
  InvalidParameterException,
  NotAuthorizedException,
} from "@aws-sdk/client-cognito-identity";
import {
  AssumeRoleWithWebIdentityCommand,
  InvalidIdentityTokenException,
  STSClient,
  STSServiceException,
} from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import {
  CHECKS,
  exitCodeOf,
  main,
  renderCheck,
  runSmoke,
  type CheckName,
  type CheckResult,
  type CliIo,
  type SmokeDeps,
  type SmokeReport,
} from "../../scripts/smoke";

const run = promisify(execFile);
const ROOT = path.join(__dirname, "../..");

const ACCOUNT = "528715093461";
const PROVIDER = "login.wechat.myapp";
const RANDOM = "0f3c9a7e-51d2-4b8e-9c61-7a2d4e8b1f30";
const GUEST_ROLE = "identity-guest-8b7d6e5";

/** Both partitions, with the Logins key each must use (Beijing's is regional). */
const TARGETS = [
  {
    partition: "aws",
    region: "us-east-1",
    stack: "dev",
    dnsSuffix: "amazonaws.com",
    loginsKey: "cognito-identity.amazonaws.com",
  },
  {
    partition: "aws-cn",
    region: "cn-north-1",
    stack: "cn-north-1",
    dnsSuffix: "amazonaws.com.cn",
    loginsKey: "cognito-identity.cn-north-1.amazonaws.com.cn",
  },
] as const;
type Target = (typeof TARGETS)[number];

const roleArn = (partition: string, name: string) =>
  ["arn", partition, "iam", "", ACCOUNT, `role/${name}`].join(":");

function stackOutputs(
  t: Target,
  opts: { flow?: "enhanced" | "basic"; guests?: boolean; auth?: "none" | "iam" } = {},
): Record<string, string | string[]> {
  const guests = opts.guests ?? true;
  return {
    identityPoolId: `${t.region}:4f0c1a9e-7d2b-4c55-9a3e-2b8f6d1e0c77`,
    region: t.region,
    partition: t.partition,
    loginsKey: t.loginsKey,
    developerProviderName: PROVIDER,
    authenticatedRoleArn: roleArn(t.partition, "identity-authenticated-3f9a2c1"),
    ...(guests ? { guestRoleArn: roleArn(t.partition, GUEST_ROLE) } : {}),
    tableName: "user-map-7c1e2a9",
    loginUrl: `https://a1b2c3d4e5.execute-api.${t.region}.${t.dnsSuffix}/login/wechat`,
    loginAppIds: ["wx8f3a61c2d94be705"],
    loginFlow: opts.flow ?? "basic",
    loginAuth: opts.auth ?? (guests ? "iam" : "none"),
  };
}

const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString("base64url");
/** A Cognito OpenID token's shape: header.payload.signature. */
const jwt = (region: string, dnsSuffix: string, sub: string, amr: string) =>
  [
    b64({ kid: `${region}-1`, typ: "JWS", alg: "RS512" }),
    b64({
      sub,
      aud: `${region}:4f0c1a9e-7d2b-4c55-9a3e-2b8f6d1e0c77`,
      amr: [amr],
      iss: `https://cognito-identity.${dnsSuffix}`,
      exp: 1767225660,
      iat: 1767225600,
    }),
    "dGhpcy1pcy1ub3QtYS1yZWFsLXNpZ25hdHVyZS1idXQtaXQtbG9va3MtbGlrZS1vbmU",
  ].join(".");

function fixture(t: Target) {
  const authId = `${t.region}:a3c1e0b2-6f4d-4a8e-9b17-0d5c2e7f9a41`;
  const guestId = `${t.region}:71d4b8e2-0c3a-4f59-8e26-b4a9c1d7e053`;
  const authToken = jwt(t.region, t.dnsSuffix, authId, "authenticated");
  const guestToken = jwt(t.region, t.dnsSuffix, guestId, "unauthenticated");
  const creds = (tag: string) => ({
    AccessKeyId: `ASIA${tag}7QX2MZ4KD9LP`,
    SecretKey: `wJalrXUtnFEMI/K7MDENG/${tag}bPxRfiCYzEXAMPLEKEY`,
    SessionToken: `IQoJb3JpZ2luX2VjE${tag}HaJdGVzdC1zZXNzaW9uLXRva2VuLXZhbHVl`,
    Expiration: new Date("2026-01-01T01:00:00Z"),
  });
  const stsCreds = (tag: string) => {
    const { SecretKey, ...rest } = creds(tag);
    return { ...rest, SecretAccessKey: SecretKey };
  };
  const secrets = [
    authToken,
    guestToken,
    ...["AUTH", "GST", "STS", "LEAK", "GSTS"].flatMap((tag) =>
      Object.values(creds(tag)).filter((v): v is string => typeof v === "string"),
    ),
  ];
  return { authId, guestId, authToken, guestToken, creds, stsCreds, secrets };
}

/** Neither a secret nor a cut-short piece of one (a token's first 40 characters). */
function expectNoSecret(text: string, secrets: string[]): void {
  for (const secret of secrets) {
    expect(text).not.toContain(secret.slice(0, Math.min(secret.length, 40)));
    expect(text).not.toContain(secret.slice(-24));
  }
  expect(text).not.toMatch(/eyJ[\w-]{8}/);
  expect(text).not.toMatch(/ASIA[A-Z0-9]{12}/);
}

const cognito = mockClient(CognitoIdentityClient);
const sts = mockClient(STSClient);

/** Cognito and STS answering like AWS for a healthy stack (guest token refused by STS). */
function answerLikeAws(t: Target) {
  const f = fixture(t);
  cognito
    .on(GetOpenIdTokenForDeveloperIdentityCommand)
    .resolves({ IdentityId: f.authId, Token: f.authToken });
  cognito
    .on(GetCredentialsForIdentityCommand, { IdentityId: f.authId })
    .resolves({ IdentityId: f.authId, Credentials: f.creds("AUTH") });
  cognito.on(GetIdCommand).resolves({ IdentityId: f.guestId });
  cognito
    .on(GetCredentialsForIdentityCommand, { IdentityId: f.guestId })
    .resolves({ IdentityId: f.guestId, Credentials: f.creds("GST") });
  cognito.on(GetOpenIdTokenCommand).resolves({ IdentityId: f.guestId, Token: f.guestToken });
  cognito.on(DeleteIdentitiesCommand).resolves({ UnprocessedIdentityIds: [] });
  sts.on(AssumeRoleWithWebIdentityCommand, { WebIdentityToken: f.authToken }).resolves({
    Credentials: f.stsCreds("STS"),
    SubjectFromWebIdentityToken: f.authId,
  });
  sts.on(AssumeRoleWithWebIdentityCommand, { WebIdentityToken: f.guestToken }).rejects(
    new STSServiceException({
      name: "AccessDenied",
      $fault: "client",
      message: "Not authorized to perform sts:AssumeRoleWithWebIdentity",
      $metadata: { httpStatusCode: 403 },
    }),
  );
  // The guest role takes the guest token: basic-flow guest credentials that sign the login.
  sts
    .on(AssumeRoleWithWebIdentityCommand, {
      RoleArn: roleArn(t.partition, GUEST_ROLE),
      WebIdentityToken: f.guestToken,
    })
    .resolves({ Credentials: f.stsCreds("GSTS"), SubjectFromWebIdentityToken: f.guestId });
  return f;
}

/** The login API as a deployed stack answers a deliberately invalid code. */
const INVALID_CODE_BODY = JSON.stringify({
  error: { code: "INVALID_CODE", message: "The WeChat login code is invalid.", requestId: "r-1" },
});

function deps(t: Target, login?: SmokeDeps["login"]): SmokeDeps {
  let tick = Date.parse("2026-01-01T00:00:00Z");
  return {
    cognito: new CognitoIdentityClient({ region: t.region }),
    sts: new STSClient({ region: t.region }),
    now: () => new Date((tick += 1000)),
    random: () => RANDOM,
    login: login ?? (async () => ({ status: 401, headers: {}, body: INVALID_CODE_BODY })),
  };
}

async function smoke(t: Target, outputs: Record<string, string | string[]>) {
  const lines: string[] = [];
  const report = await runSmoke(deps(t), outputs, {
    stack: t.stack,
    onCheck: (c) => lines.push(renderCheck(c)),
  });
  return { report, lines, text: `${lines.join("\n")}\n${JSON.stringify(report)}` };
}

const checkOf = (report: SmokeReport, name: CheckName): CheckResult => {
  const found = report.checks.find((c) => c.name === name);
  if (!found) throw new Error(`no ${name} check`);
  return found;
};
const statuses = (report: SmokeReport) =>
  Object.fromEntries(report.checks.map((c) => [c.name, c.status]));

beforeEach(() => {
  cognito.reset();
  sts.reset();
});

describe.each(TARGETS)("smoke check of a $partition stack ($region)", (t) => {
  it("passes every check against a pool answering like AWS, using the partition's Logins key", async () => {
    const f = answerLikeAws(t);
    const outputs = stackOutputs(t, { flow: "basic", guests: true });
    const { report, lines } = await smoke(t, outputs);

    expect(report.checks.map((c) => c.name)).toEqual([...CHECKS]);
    // identity-isolation runs only with a per-identity S3 grant: tests/smoke/isolation.test.ts;
    // account-deletion only with an accountUrl: tests/smoke/accountDeletion.test.ts.
    expect(lines).toEqual(
      CHECKS.map((name) =>
        name === "identity-isolation"
          ? "- identity-isolation: not applicable: no per-identity read-write S3 grant (grants output)"
          : name === "oauth-login-route"
            ? "- oauth-login-route: not applicable: the stack has no OAuth app"
            : name === "account-deletion"
              ? "- account-deletion: not applicable: the stack has no accountUrl output"
              : `✔ ${name}`,
      ),
    );
    expect(report.ok).toBe(true);
    expect(exitCodeOf(report)).toBe(0);
    expect(report).toMatchObject({
      stack: t.stack,
      partition: t.partition,
      region: t.region,
      startedAt: "2026-01-01T00:00:01.000Z",
      createdIdentityIds: [f.authId, f.guestId],
    });

    expect(
      cognito.commandCalls(GetOpenIdTokenForDeveloperIdentityCommand)[0]?.args[0].input,
    ).toEqual({
      IdentityPoolId: outputs["identityPoolId"],
      Logins: { [PROVIDER]: `smoke-test#${RANDOM}` },
      TokenDuration: 60,
    });
    const credentialCalls = cognito
      .commandCalls(GetCredentialsForIdentityCommand)
      .map((c) => c.args[0].input);
    expect(credentialCalls).toEqual([
      { IdentityId: f.authId, Logins: { [t.loginsKey]: f.authToken } },
      { IdentityId: f.guestId },
    ]);
    expect(cognito.commandCalls(GetIdCommand)[0]?.args[0].input).toEqual({
      IdentityPoolId: outputs["identityPoolId"],
    });
    expect(cognito.commandCalls(GetOpenIdTokenCommand)[0]?.args[0].input).toEqual({
      IdentityId: f.guestId,
    });
    const stsCalls = sts
      .commandCalls(AssumeRoleWithWebIdentityCommand)
      .map((c) => c.args[0].input)
      .filter((input) => input.RoleArn === outputs["authenticatedRoleArn"]);
    expect(stsCalls).toEqual([
      expect.objectContaining({ WebIdentityToken: f.authToken }),
      expect.objectContaining({ WebIdentityToken: f.guestToken }),
    ]);
    for (const input of stsCalls) {
      expect(input).toMatchObject({
        RoleArn: outputs["authenticatedRoleArn"],
        DurationSeconds: 900,
        RoleSessionName: expect.stringMatching(/^smoke-[\w+=,.@-]{1,58}$/),
      });
    }
    expect(cognito.commandCalls(DeleteIdentitiesCommand).map((c) => c.args[0].input)).toEqual([
      { IdentityIdsToDelete: [f.authId, f.guestId] },
    ]);
    // Every call is bounded by an abort signal.
    for (const call of [...cognito.calls(), ...sts.calls()]) {
      expect((call.args as unknown[])[1]).toEqual({ abortSignal: expect.any(AbortSignal) });
    }
  });

  it("reports the enhanced flow's refusal of guest OpenID tokens as 'classic flow off', not a failure", async () => {
    const f = answerLikeAws(t);
    cognito.on(GetOpenIdTokenCommand).rejects(
      new InvalidParameterException({
        message: "Basic (classic) flow is not enabled, please use enhanced flow.",
        $metadata: { httpStatusCode: 400 },
      }),
    );
    // A public login route: guests need no basic-flow credentials to sign it.
    const { report, lines } = await smoke(
      t,
      stackOutputs(t, { flow: "enhanced", guests: true, auth: "none" }),
    );

    expect(statuses(report)).toEqual({
      "authenticated-trust": "pass",
      "basic-flow": "skip",
      "guest-trust": "pass",
      "guest-cannot-assume-authenticated": "skip",
      "login-route": "pass",
      "oauth-login-route": "skip",
      "identity-isolation": "skip",
      "account-deletion": "skip",
      cleanup: "pass",
    });
    expect(lines).toContain("- basic-flow: not applicable: loginFlow is enhanced");
    expect(checkOf(report, "guest-cannot-assume-authenticated").detail).toMatch(
      /^skipped: classic flow off/,
    );
    expect(sts.calls()).toHaveLength(0);
    expect(exitCodeOf(report)).toBe(0);
    expect(report.createdIdentityIds).toEqual([f.authId, f.guestId]);
  });

  it("reports STS refusing the basic flow for a guest token as 'classic flow off'", async () => {
    const f = answerLikeAws(t);
    sts.on(AssumeRoleWithWebIdentityCommand, { WebIdentityToken: f.guestToken }).rejects(
      new InvalidIdentityTokenException({
        message: "Basic (classic) flow is not enabled for this identity pool",
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const { report } = await smoke(
      t,
      stackOutputs(t, { flow: "basic", guests: true, auth: "none" }),
    );
    expect(checkOf(report, "guest-cannot-assume-authenticated")).toMatchObject({
      status: "skip",
      detail: expect.stringMatching(/^skipped: classic flow off \(STS: InvalidIdentityToken/),
    });
    expect(exitCodeOf(report)).toBe(0);
  });

  it("runs basic-flow only for loginFlow basic and the guest checks only with a guest role", async () => {
    const f = answerLikeAws(t);
    const { report, lines } = await smoke(t, stackOutputs(t, { flow: "enhanced", guests: false }));

    expect(lines).toEqual([
      "✔ authenticated-trust",
      "- basic-flow: not applicable: loginFlow is enhanced",
      "- guest-trust: not applicable: the stack has no guest role",
      "- guest-cannot-assume-authenticated: not applicable: the stack has no guest role",
      "✔ login-route",
      "- oauth-login-route: not applicable: the stack has no OAuth app",
      "- identity-isolation: not applicable: no per-identity read-write S3 grant (grants output)",
      "- account-deletion: not applicable: the stack has no accountUrl output",
      "✔ cleanup",
    ]);
    expect(sts.calls()).toHaveLength(0);
    expect(cognito.commandCalls(GetIdCommand)).toHaveLength(0);
    expect(cognito.commandCalls(GetOpenIdTokenCommand)).toHaveLength(0);
    expect(cognito.commandCalls(DeleteIdentitiesCommand)[0]?.args[0].input).toEqual({
      IdentityIdsToDelete: [f.authId],
    });
    expect(exitCodeOf(report)).toBe(0);
  });

  it.each([
    [
      "InvalidIdentityPoolConfigurationException",
      () =>
        new InvalidIdentityPoolConfigurationException({
          message: "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
          $metadata: { httpStatusCode: 400 },
        }),
    ],
    [
      "NotAuthorizedException",
      () =>
        new NotAuthorizedException({
          message: "Not authorized to perform sts:AssumeRoleWithWebIdentity",
          $metadata: { httpStatusCode: 400 },
        }),
    ],
    [
      "AccessDenied text",
      () =>
        new CognitoIdentityServiceException({
          name: "AccessDeniedException",
          $fault: "client",
          message: "Access to Identity is forbidden: sts:AssumeRoleWithWebIdentity AccessDenied",
          $metadata: { httpStatusCode: 403 },
        }),
    ],
  ])(
    "fails authenticated-trust with the partition's fix when IAM refuses the role (%s)",
    async (_label, error) => {
      const f = answerLikeAws(t);
      cognito.on(GetCredentialsForIdentityCommand, { IdentityId: f.authId }).rejects(error());
      const { report, lines } = await smoke(
        t,
        stackOutputs(t, { flow: "enhanced", guests: false }),
      );

      const trust = checkOf(report, "authenticated-trust");
      expect(trust.status).toBe("fail");
      expect(lines[0]).toMatch(/^✖ authenticated-trust: GetCredentialsForIdentity .* refused/);
      expect(lines[0]).not.toContain("\n");
      if (t.partition === "aws-cn") {
        expect(trust.detail).toContain(
          "pulumi config set cognitoTrustPrincipal cognito-identity.cn-north-1.amazonaws.com.cn --stack cn-north-1",
        );
        expect(trust.detail).toContain(
          "pulumi config set cognitoTrustConditionKeyPrefix cognito-identity.amazonaws.com.cn --stack cn-north-1",
        );
        expect(trust.detail).toContain("pulumi up --stack cn-north-1");
        expect(trust.detail).toContain("rerun npm run smoke -- --stack cn-north-1");
      } else {
        expect(trust.detail).toContain("check the role attachment");
        expect(trust.detail).toContain(`--identity-pool-id ${t.region}:`);
        expect(trust.detail).not.toContain("cognitoTrustPrincipal");
      }
      expect(exitCodeOf(report)).toBe(1);
      // Cleanup still removes the developer identity the run created.
      expect(checkOf(report, "cleanup").status).toBe("pass");
    },
  );

  it("fails when STS gives a guest token credentials of the authenticated role (no amr condition)", async () => {
    const f = answerLikeAws(t);
    sts
      .on(AssumeRoleWithWebIdentityCommand, { WebIdentityToken: f.guestToken })
      .resolves({ Credentials: f.stsCreds("LEAK") });
    const { report, lines, text } = await smoke(
      t,
      stackOutputs(t, { flow: "basic", guests: true }),
    );

    expect(checkOf(report, "guest-cannot-assume-authenticated").status).toBe("fail");
    expect(lines[3]).toMatch(
      /^✖ guest-cannot-assume-authenticated: the authenticated role admits guests: its trust policy lacks the amr condition/,
    );
    expect(exitCodeOf(report)).toBe(1);
    expectNoSecret(text, f.secrets);
  });

  it("deletes every identity it created and reports a failing DeleteIdentities with the ids", async () => {
    const f = answerLikeAws(t);
    cognito.on(DeleteIdentitiesCommand).rejects(
      new CognitoIdentityServiceException({
        name: "AccessDeniedException",
        $fault: "client",
        message: `User: ${roleArn(t.partition, "deployer")} is not authorized to perform: cognito-identity:DeleteIdentities`,
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const { report, lines } = await smoke(t, stackOutputs(t, { flow: "basic", guests: true }));

    expect(cognito.commandCalls(DeleteIdentitiesCommand)[0]?.args[0].input).toEqual({
      IdentityIdsToDelete: [f.authId, f.guestId],
    });
    const cleanup = checkOf(report, "cleanup");
    expect(cleanup.status).toBe("fail");
    expect(cleanup.detail).toContain(f.authId);
    expect(cleanup.detail).toContain(f.guestId);
    expect(cleanup.detail).toContain("cognito-identity:DeleteIdentities");
    expect(lines.at(-1)).toMatch(/^✖ cleanup: DeleteIdentities failed for /);
    expect(exitCodeOf(report)).toBe(1);
  });

  it("reports identities DeleteIdentities left unprocessed", async () => {
    const f = answerLikeAws(t);
    cognito.on(DeleteIdentitiesCommand).resolves({
      UnprocessedIdentityIds: [{ IdentityId: f.guestId, ErrorCode: "InternalServerError" }],
    });
    const { report } = await smoke(t, stackOutputs(t, { flow: "basic", guests: true }));
    expect(checkOf(report, "cleanup")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining(`${f.guestId} (InternalServerError)`),
    });
  });

  it("never prints tokens or credentials, even when an AWS error message echoes one", async () => {
    const f = answerLikeAws(t);
    sts.on(AssumeRoleWithWebIdentityCommand, { WebIdentityToken: f.authToken }).rejects(
      new InvalidIdentityTokenException({
        message: `Couldn't verify ${f.authToken} (session ${f.creds("AUTH").SessionToken})`,
        $metadata: { httpStatusCode: 400 },
      }),
    );
    sts
      .on(AssumeRoleWithWebIdentityCommand, { WebIdentityToken: f.guestToken })
      .resolves({ Credentials: f.stsCreds("LEAK") });
    const dir = mkdtempSync(path.join(tmpdir(), "smoke-"));
    const file = path.join(dir, "outputs.json");
    const reportFile = path.join(dir, "report.json");
    writeFileSync(file, JSON.stringify(stackOutputs(t, { flow: "basic", guests: true }), null, 4));
    const io = captureIo(t);
    const code = await main(["--stack", t.stack, "--file", file, "--out", reportFile], io);

    expect(code).toBe(1);
    const all = `${io.out.join("")}${io.err.join("")}${readFileSync(reportFile, "utf8")}`;
    expect(all).toContain("✔ authenticated-trust");
    expect(all).toContain("✖ basic-flow: AssumeRoleWithWebIdentity");
    expect(all).toContain("[redacted]");
    expectNoSecret(all, f.secrets);
  });

  it("bounds every call: a call that never answers fails with 'no verdict' after the timeout", async () => {
    const hang = {
      send: (_command: unknown, options: { abortSignal: AbortSignal }) =>
        new Promise((_resolve, reject) => {
          options.abortSignal.addEventListener("abort", () => reject(options.abortSignal.reason));
        }),
    };
    const report = await runSmoke(
      {
        // A stand-in with only `send`: enough for runSmoke, not a whole SDK client.
        cognito: hang as unknown as CognitoIdentityClient,
        sts: hang as unknown as STSClient,
      },
      stackOutputs(t, { flow: "basic", guests: true }),
      { stack: t.stack, callTimeoutMs: 20 },
    );
    expect(checkOf(report, "authenticated-trust")).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/gave no verdict \(TimeoutError/),
    });
    expect(exitCodeOf(report)).toBe(1);
  });
});

function captureIo(t: Target) {
  const out: string[] = [];
  const err: string[] = [];
  const made: string[] = [];
  const io: CliIo & { out: string[]; err: string[]; made: string[] } = {
    out,
    err,
    made,
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    readStdin: () => {
      throw new Error("stdin must not be read when --file is given");
    },
    stdinIsTTY: false,
    makeDeps: (region) => {
      made.push(region);
      return deps(t);
    },
  };
  return io;
}

describe("command line", () => {
  const [global, china] = TARGETS;

  it("creates its clients in the stack's region and exits 0 when every check passes", async () => {
    answerLikeAws(china);
    const dir = mkdtempSync(path.join(tmpdir(), "smoke-"));
    const file = path.join(dir, "outputs.json");
    writeFileSync(file, JSON.stringify(stackOutputs(china, { flow: "enhanced", guests: false })));
    const io = captureIo(china);
    expect(await main(["--stack", "cn-north-1", "--file", file], io)).toBe(0);
    expect(io.made).toEqual(["cn-north-1"]);
    expect(io.out.join("")).toMatch(/3 passed, 6 skipped, 0 failed\.\n$/);
  });

  it("rejects input that is not JSON with one line and exit code 2", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "smoke-"));
    const file = path.join(dir, "outputs.json");
    writeFileSync(file, "Current stack outputs (11):\n    OUTPUT  VALUE\n");
    const io = captureIo(global);
    expect(await main(["--stack", "dev", "--file", file], io)).toBe(2);
    expect(io.err).toEqual([
      `error: ${file} is not JSON. Fix: use \`pulumi stack output --json\`.\n`,
    ]);
    expect(io.out).toEqual([]);
    expect(io.made).toEqual([]);
  });

  it("rejects outputs whose role ARN is of another partition, naming the output", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "smoke-"));
    const file = path.join(dir, "outputs.json");
    const outputs = {
      ...stackOutputs(china),
      authenticatedRoleArn: roleArn("aws", "identity-authenticated-3f9a2c1"),
    };
    writeFileSync(file, JSON.stringify(outputs));
    const io = captureIo(china);
    expect(await main(["--stack", "cn-north-1", "--file", file], io)).toBe(2);
    expect(io.err).toHaveLength(1);
    expect(io.err[0]).toMatch(/^error: .*authenticatedRoleArn: .* partition aws-cn/);
    expect(io.made).toEqual([]);
  });

  it.each([[[]], [["--file", "x.json"]], [["--stack"]], [["--stack", "dev", "--verbose"]]])(
    "exits 2 on bad usage %j",
    async (argv) => {
      const io = captureIo(global);
      expect(await main(argv, io)).toBe(2);
      expect(io.err.join("")).toMatch(/^(usage|error): /);
      expect(io.made).toEqual([]);
    },
  );

  it("as a process: bad JSON from --file prints one line and exits 2", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "smoke-"));
    const file = path.join(dir, "outputs.json");
    writeFileSync(file, "{ not json");
    const tsx = path.join(ROOT, "node_modules/.bin/tsx");
    const failed = await run(tsx, ["scripts/smoke.ts", "--stack", "dev", "--file", file], {
      cwd: ROOT,
    }).then(
      () => undefined,
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stdout).toBe("");
    expect(failed?.stderr.trimEnd().split("\n")).toEqual([
      `error: ${file} is not JSON. Fix: use \`pulumi stack output --json\`.`,
    ]);
  });
});
