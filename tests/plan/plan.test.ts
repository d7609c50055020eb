import { allRules } from "../../policies/rules";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { main as appConfigMain, toAppConfig } from "../../scripts/appConfig";
import { blocking, plan, planJson, planOf, renderPlan, writePlan } from "../../scripts/plan";
import type { PlanResource, Synthesis } from "../../scripts/synth";
import { captureIo } from "../support/cli";
import { committed, STACKS } from "../support/stacks";

const run = promisify(execFile);
const ROOT = path.join(__dirname, "../..");

function find(resources: PlanResource[], type: string, name?: string): PlanResource {
  const r = resources.find((x) => x.type === type && (name === undefined || x.name === name));
  if (!r) throw new Error(`no ${type} ${name ?? ""}`);
  return r;
}

/**
 * The plan of a committed stack from the worker's shared synthesis, each call on a fresh copy
 * that `mutate` may change: what `plan(stack)` does, without synthesizing again (the first test
 * checks both see the same synthesis).
 */
const planned = async (stack: string, mutate?: (r: PlanResource[]) => void) =>
  planOf(structuredClone(await committed(stack)), mutate);

/** A synthesis with its resources in URN order (registration order varies between runs). */
const inUrnOrder = (s: Synthesis) => ({
  ...s,
  resources: [...s.resources].sort((a, b) => a.urn.localeCompare(b.urn)),
});

describe.each(STACKS)("plan of $stack", ({ stack, partition }) => {
  it("passes every mandatory policy", async () => {
    const result = await plan(stack);
    expect(result.violations).toEqual([]);
    // Every rule of the pack ran (the pack's own test pins the list and its order).
    expect(result.rules.map((r) => r.name)).toEqual(allRules.map((r) => r.name));
    expect(inUrnOrder(await committed(stack))).toEqual(inUrnOrder(result.synthesis));
  });

  it("prints each IAM document, the policy results and the placeholder warning", async () => {
    const result = await planned(stack);
    const text = renderPlan(result);
    expect(text).toContain(`Plan for stack '${stack}'`);
    expect(text).toContain('"Action": "sts:AssumeRoleWithWebIdentity"');
    expect(text).toContain('"cognito-identity.amazonaws.com:aud"');
    expect(text).toContain("✔ arn-partition");
    expect(text).toMatch(
      /warning: cognito-devauth:wechat\.appSecret is not set; planned with a marked placeholder/,
    );
    expect(text).not.toContain("PLACEHOLDER-appSecret");
    expect(text).toMatch(/No policy violations\. \d+ resources\./);
  });

  it("writes the plan and the app config as JSON", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "plan-"));
    const result = await planned(stack);
    const files = writePlan(result, dir);
    const written = JSON.parse(readFileSync(files.plan, "utf8"));
    expect(written).toMatchObject({
      stack,
      partition,
      policies: { violationCount: 0, mandatoryViolationCount: 0 },
      outputs: result.synthesis.outputs,
    });
    const roles = written.iamDocuments.filter(
      (d: { property: string }) => d.property === "assumeRolePolicy",
    );
    // Pool roles (authenticated, and guest in China) plus the login and account functions' roles.
    expect(roles.length).toBe(stack === "cn-north-1" ? 4 : 3);
    expect(JSON.stringify(written)).not.toContain("PLACEHOLDER-appSecret");
    expect(JSON.parse(readFileSync(files.appConfig, "utf8"))).toEqual(result.appConfig);
  });

  it("gives the same app config from the plan and from `pulumi stack output --json`", async () => {
    const result = await planned(stack);
    // What `pulumi stack output --json` prints for these outputs.
    const dir = mkdtempSync(path.join(tmpdir(), "outputs-"));
    const outputsFile = path.join(dir, "outputs.json");
    const outFile = path.join(dir, "app-config.json");
    writeFileSync(outputsFile, JSON.stringify(result.synthesis.outputs, null, 4));
    const io = captureIo();
    expect(
      await appConfigMain(["--stack", stack, "--file", outputsFile, "--out", outFile], io),
    ).toBe(0);
    expect(io.err).toEqual([]);
    expect(JSON.parse(readFileSync(outFile, "utf8"))).toEqual(result.appConfig);
    expect(result.appConfig).toMatchObject({
      stack,
      partition,
      guests: stack === "cn-north-1",
      login: { method: "POST", flow: "enhanced", auth: "none", appIds: ["wx8f3a61c2d94be705"] },
    });
    // Each stack also serves an Open Platform app on the OAuth route (dev: a website, China: a
    // mobile app), on the same host as the mini-program route.
    const oauthApp = stack === "dev" ? "wx3c9e0b7d25a4f618" : "wx5d2e8b1a7c9f4036";
    expect(result.appConfig.oauthLogin).toEqual(
      expect.objectContaining({
        url: `${new URL(result.appConfig.login?.url ?? "").origin}/login/wechat/oauth`,
        appIds: [oauthApp],
      }),
    );
    expect(renderPlan(result)).toMatch(
      new RegExp(
        `OAuth login \\(mobile and website apps\\): POST https://\\S+/login/wechat/oauth .*apps ${oauthApp}\\)\\.`,
      ),
    );
  });
});

describe("the plan catches a broken stack", () => {
  const broken = async (stack: string, mutate: (r: PlanResource[]) => void) =>
    blocking(await planned(stack, mutate));

  it("rejects an authenticated role whose trust policy lost its aud condition", async () => {
    const found = await broken("dev", (resources) => {
      const role = find(resources, "aws:iam/role:Role", "identity-authenticated");
      const doc = JSON.parse(String(role.state.assumeRolePolicy));
      delete doc.Statement[0].Condition.StringEquals;
      role.state.assumeRolePolicy = JSON.stringify(doc);
    });
    expect(found).toEqual([
      expect.objectContaining({
        policy: "cognito-trust-policy",
        message: expect.stringContaining("aud"),
      }),
    ]);
  });

  it("rejects a guest role that also admits authenticated identities", async () => {
    const found = await broken("cn-north-1", (resources) => {
      const role = find(resources, "aws:iam/role:Role", "identity-guest");
      role.state.assumeRolePolicy = String(role.state.assumeRolePolicy).replace(
        '"unauthenticated"',
        '["unauthenticated","authenticated"]',
      );
    });
    expect(found.map((v) => v.policy)).toEqual(["cognito-trust-policy"]);
  });

  it("rejects a wildcard resource in the function's permissions", async () => {
    const found = await broken("dev", (resources) => {
      const policy = find(resources, "aws:iam/rolePolicy:RolePolicy", "wechat-login-function");
      const doc = JSON.parse(String(policy.state.policy));
      doc.Statement[1].Resource = "*";
      policy.state.policy = JSON.stringify(doc);
    });
    expect(found).toEqual([expect.objectContaining({ policy: "no-wildcard-iam" })]);
  });

  it("rejects a global-partition ARN in the China stack", async () => {
    const global = ["arn", "aws", "secretsmanager", "cn-north-1", "528715093461", "secret:x"].join(
      ":",
    );
    const found = await broken("cn-north-1", (resources) => {
      const fn = find(resources, "aws:lambda/function:Function", "wechat-login-function");
      const env = (fn.state.environment as { variables: Record<string, string> }).variables;
      // Inside the WECHAT_APPS JSON: the rule reads ARNs anywhere in a value.
      const apps = JSON.parse(env.WECHAT_APPS ?? "") as { secretArn: string }[];
      expect(apps[0]).toBeDefined();
      if (apps[0]) apps[0].secretArn = global;
      env.WECHAT_APPS = JSON.stringify(apps);
    });
    expect(found).toEqual([
      expect.objectContaining({
        policy: "arn-partition",
        message: expect.stringContaining(global),
      }),
    ]);
  });

  it("rejects an unprotected mapping table and one without point-in-time recovery", async () => {
    const found = await broken("dev", (resources) => {
      const table = find(resources, "aws:dynamodb/table:Table");
      table.protect = false;
      table.state.pointInTimeRecovery = { enabled: false };
    });
    expect(found.map((v) => v.policy)).toEqual([
      "identity-resources-protected",
      "identity-resources-protected",
    ]);
  });

  it("rejects a public login route in China without an ICP filing", async () => {
    const found = await broken("cn-north-1", (resources) => {
      // The committed China route is public on an ICP-tagged API and domain: drop the filing.
      expect(
        find(resources, "aws:apigatewayv2/route:Route", "wechat-login-login").state
          .authorizationType,
      ).toBe("NONE");
      for (const type of ["aws:apigatewayv2/api:Api", "aws:apigatewayv2/domainName:DomainName"]) {
        const tagged = find(resources, type);
        const { "icp-filing": _, ...tags } = tagged.state.tags as Record<string, string>;
        tagged.state.tags = tags;
      }
    });
    // Both public routes: the mini-program's and the mobile app's OAuth route.
    expect(found).toEqual([
      expect.objectContaining({
        policy: "china-public-route",
        message: expect.stringMatching(/ICP/),
      }),
      expect.objectContaining({
        policy: "china-public-route",
        message: expect.stringMatching(/ICP/),
      }),
    ]);
    expect(found.map((v) => v.message).join("\n")).toContain("wechat-login-login-oauth");
  });

  it("rejects a secret passed to the function through its environment", async () => {
    const found = await broken("dev", (resources) => {
      const fn = find(resources, "aws:lambda/function:Function");
      const env = (fn.state.environment as { variables: Record<string, string> }).variables;
      env.WECHAT_KEY = "[secret]";
    });
    expect(found).toEqual([
      expect.objectContaining({
        policy: "no-secret-in-lambda-env",
        message: expect.stringContaining("WECHAT_KEY is a Pulumi secret"),
      }),
    ]);
  });

  it("marks the violating resource in the printed plan", async () => {
    const result = await planned("dev", (resources) => {
      find(resources, "aws:cloudwatch/logGroup:LogGroup").state.retentionInDays = 0;
    });
    const text = renderPlan(result);
    expect(text).toMatch(/✖ wechat-login-\S+ aws:cloudwatch\/logGroup:LogGroup/);
    expect(text).toMatch(/1 mandatory policy violation\(s\): this stack must not be deployed\./);
    expect(planJson(result).policies.mandatoryViolationCount).toBe(1);
  });
});

describe("app config", () => {
  it("names the outputs that are missing", () => {
    expect(() => toAppConfig("dev", { region: "us-east-1" })).toThrow(
      /Stack outputs of 'dev' are not a cognito-devauth stack's outputs \(identityPoolId: .*loginUrl/,
    );
  });
});

describe("plan command", () => {
  it("answers an unknown stack with one line naming the fix and exit code 2", async () => {
    // tsx itself, as `npm run plan` runs it, without npx's own start-up.
    const tsx = path.join(ROOT, "node_modules/.bin/tsx");
    const err = await run(tsx, ["scripts/plan.ts", "--stack", "prod"], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: "1" },
    }).catch((e: { code: number; stderr: string }) => e);
    expect("code" in err && err.code).toBe(2);
    const lines = (err as { stderr: string }).stderr
      .split("\n")
      .filter((l) => l && !l.startsWith("npm warn"));
    expect(lines).toEqual([
      "error: Unknown stack 'prod': there is no Pulumi.prod.yaml. Known stacks: cn-north-1, dev. Fix: --stack <one of them>, or create the stack with `pulumi stack init prod` and set its config.",
    ]);
  });
});
