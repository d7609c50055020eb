import { mkdirSync } from "node:fs";
import * as path from "node:path";
import { checkAppConfig } from "../../client/config";
import { AppConfigError, main, toAppConfig } from "../../scripts/appConfig";
import { captureIo, errLines, tempDir, tempFile } from "../support/cli";
import { ACCOUNT, deployedOutputs, POOL_UUID } from "../support/outputs";
import { STACKS } from "../support/stacks";

const outputs = deployedOutputs;

const problemsOf = (stack: string, o: unknown): string[] => {
  try {
    toAppConfig(stack, o);
  } catch (err) {
    if (err instanceof AppConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe.each(STACKS)("app config v2 of $stack", ({ stack, region, partition }) => {
  const dns = partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";

  it("has the regional endpoints, the guest role and the login", () => {
    const o = outputs(region);
    expect(toAppConfig(stack, o)).toEqual({
      stack,
      region,
      partition,
      identityPoolId: o.identityPoolId,
      loginsKey: o.loginsKey,
      cognitoEndpoint: `https://cognito-identity.${region}.${dns}/`,
      stsEndpoint: `https://sts.${region}.${dns}/`,
      guests: true,
      guestRoleArn: o.guestRoleArn,
      login: {
        url: o.loginUrl,
        method: "POST",
        flow: "enhanced",
        auth: "iam",
        appIds: ["wx8f3a61c2d94be705"],
      },
    });
  });

  it("names the buckets, prefixes and tables the stack grants, and nothing without grants", () => {
    const storage = [
      {
        role: "authenticated",
        bucket: "b-files",
        prefix: "users",
        access: "read-write",
        perIdentity: true,
      },
    ];
    const tables = [{ role: "authenticated", table: "notes", access: "read" }];
    const config = toAppConfig(stack, { ...outputs(region), grants: { storage, tables } });
    expect(config.storage).toEqual(storage);
    expect(config.tables).toEqual(tables);
    const none = toAppConfig(stack, { ...outputs(region), grants: { storage: [], tables: [] } });
    expect("storage" in none || "tables" in none).toBe(false);
  });
  it.each(["iam", "none"] as const)(
    "writes what the client kit accepts as it is (loginAuth %s)",
    (loginAuth) => {
      const o = outputs(region, { loginAuth });
      const written = JSON.parse(JSON.stringify(toAppConfig(stack, o))) as unknown;
      expect(checkAppConfig(written)).toMatchObject(written as object);
    },
  );

  it("leaves guestRoleArn out iff there are no guests", () => {
    const { guestRoleArn: _omit, ...o } = outputs(region, { loginAuth: "none" });
    const config = toAppConfig(stack, o);
    expect(config.guests).toBe(false);
    expect("guestRoleArn" in config).toBe(false);
  });

  it("takes a login URL on the custom domain the outputs name", () => {
    for (const domain of [
      { loginDomainName: "login.example.cn" },
      { loginDomain: { domainName: "login.example.cn", certificateArn: "x" } },
      { loginHost: "login.example.cn", loginDefaultEndpointDisabled: true },
    ]) {
      const o = outputs(region, { ...domain, loginUrl: "https://login.example.cn/login/wechat" });
      expect(toAppConfig(stack, o).login.url).toBe("https://login.example.cn/login/wechat");
    }
  });

  it.each([
    [
      "a partition that is not the region's",
      { partition: partition === "aws" ? "aws-cn" : "aws" },
      /partition: '.*' is not the partition of region/,
    ],
    [
      "a pool of another region",
      { identityPoolId: `eu-west-1:${POOL_UUID}` },
      /identityPoolId: 'eu-west-1:.*' is not a pool of region/,
    ],
    [
      "the other partition's logins key",
      {
        loginsKey:
          partition === "aws"
            ? "cognito-identity.cn-north-1.amazonaws.com.cn"
            : "cognito-identity.amazonaws.com",
      },
      /loginsKey: .* is not the Logins key of region/,
    ],
    [
      "a login URL on a foreign host",
      { loginUrl: "https://login.attacker.example/login/wechat" },
      /loginUrl: host 'login\.attacker\.example' is neither the API's execute-api host/,
    ],
    [
      "an execute-api host of another region",
      { loginUrl: "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/login/wechat" },
      /loginUrl: host .* is neither/,
    ],
    [
      "the default host although the stack has a custom domain",
      { loginDomainName: "login.example.cn" },
      /loginUrl: host .* is not the login API's custom domain 'login\.example\.cn'/,
    ],
    [
      "loginAuth iam without a guest role",
      { guestRoleArn: undefined },
      /guestRoleArn: missing, but loginAuth 'iam' needs guests.*Fix: set allowGuests true/,
    ],
    [
      "a guest role of the other partition",
      {
        guestRoleArn: [
          "arn",
          partition === "aws" ? "aws-cn" : "aws",
          "iam",
          "",
          ACCOUNT,
          "role/g",
        ].join(":"),
      },
      /guestRoleArn: .* is not an IAM role ARN of partition/,
    ],
  ])("refuses %s, one line naming the fix", (_label, change, message) => {
    const problems = problemsOf(stack, outputs(region, change));
    expect(problems).toEqual([expect.stringMatching(message)]);
    expect(problems[0]).toMatch(/Fix: /);
    expect(problems[0]).not.toContain("\n");
  });
});

describe("app-config command", () => {
  const good = outputs("cn-north-1");

  it("prints the app config for outputs on standard input", async () => {
    const io = captureIo(JSON.stringify(good));
    expect(await main(["--stack", "cn-north-1"], io)).toBe(0);
    expect(JSON.parse(io.out.join(""))).toEqual(toAppConfig("cn-north-1", good));
  });

  it("prints its usage on --help and exits 0", async () => {
    const io = captureIo();
    expect(await main(["--help"], io)).toBe(0);
    expect(io.out.join("")).toMatch(/^usage: /);
    expect(io.err).toEqual([]);
  });

  it.each([
    [
      ["--stack", "dev", "--verbose"],
      /^error: unknown option --verbose\. Fix: see `npm run app-config -- --help`$/,
    ],
    [["--stack"], /^error: --stack needs a value\. Fix: /],
    [["--file", "x.json"], /^error: --stack is required\. Fix: /],
    [["--stack", "dev", "extra"], /^error: unexpected argument extra\. Fix: /],
  ])("refuses bad usage %j: one line, exit 2", async (argv, message) => {
    const io = captureIo();
    expect(await main(argv, io)).toBe(2);
    expect(errLines(io)).toEqual([expect.stringMatching(message)]);
  });

  it("answers a missing file, a directory and bad JSON with one line and exit 2", async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, "outputs.json"));
    const cases: [string, RegExp][] = [
      [path.join(dir, "nope.json"), /nope\.json does not exist\. Fix: pass the output of/],
      [path.join(dir, "outputs.json"), /outputs\.json is a directory, not a file\. Fix: /],
      [
        tempFile("bad.json", "{ not json"),
        /bad\.json is not JSON\. Fix: use `pulumi stack output --json`/,
      ],
    ];
    for (const [file, message] of cases) {
      const io = captureIo();
      expect(await main(["--stack", "dev", "--file", file], io)).toBe(2);
      expect(errLines(io)).toEqual([expect.stringMatching(message)]);
      expect(io.out).toEqual([]);
    }
  });

  it("prints one line per inconsistent output and exits 2", async () => {
    const file = tempFile("outputs.json", {
      ...good,
      partition: "aws",
      guestRoleArn: undefined,
    });
    const io = captureIo();
    expect(await main(["--stack", "cn-north-1", "--file", file], io)).toBe(2);
    expect(errLines(io)).toEqual([
      expect.stringMatching(
        /^error: .*partition: 'aws' is not the partition of region 'cn-north-1'.*Fix: /,
      ),
      expect.stringMatching(/^error: .*guestRoleArn: missing.*Fix: /),
    ]);
  });
});

describe.each(STACKS)("app config login routes of $stack", ({ stack, region }) => {
  const MINI = "wx8f3a61c2d94be705";
  const WEB = "wx3c9e0b7d25a4f618";
  const base = outputs(region);
  const oauthUrl = base.loginUrl.replace(/\/login\/wechat$/, "/login/wechat/oauth");

  it("names both routes and their apps when the stack has both kinds", () => {
    const config = toAppConfig(stack, { ...base, oauthLoginUrl: oauthUrl, oauthAppIds: [WEB] });
    expect(config.login).toEqual(expect.objectContaining({ url: base.loginUrl, appIds: [MINI] }));
    expect(config.oauthLogin).toEqual({
      url: oauthUrl,
      method: "POST",
      flow: "enhanced",
      auth: "iam",
      appIds: [WEB],
    });
  });

  it("has no mini-program login for a stack of OAuth apps, which the client kit refuses by name", () => {
    const { loginUrl: _u, loginAppIds: _a, ...rest } = base;
    const config = toAppConfig(stack, { ...rest, oauthLoginUrl: oauthUrl, oauthAppIds: [WEB] });
    expect("login" in config).toBe(false);
    expect(config.oauthLogin?.appIds).toEqual([WEB]);
    expect(() => checkAppConfig(JSON.parse(JSON.stringify(config)))).toThrow(
      /^App config: 'login' is missing: the stack has no mini-program app.*Fix: /,
    );
  });

  it("refuses outputs without a login route, or a route without its AppIDs", () => {
    const { loginUrl: _u, loginAppIds: _a, ...none } = base;
    expect(problemsOf(stack, none)).toEqual([
      expect.stringContaining("loginUrl: missing, and so is oauthLoginUrl"),
    ]);
    const { loginAppIds: _b, ...noIds } = base;
    expect(problemsOf(stack, noIds)).toEqual([
      expect.stringMatching(/loginAppIds: missing, but loginUrl is there.*Fix: redeploy/),
    ]);
    expect(problemsOf(stack, { ...base, oauthLoginUrl: oauthUrl, oauthAppIds: ["wx12"] })).toEqual([
      expect.stringContaining("oauthAppIds.0: not a WeChat AppID"),
    ]);
  });
});
