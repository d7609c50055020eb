import * as pulumi from "@pulumi/pulumi";
import { execFile } from "node:child_process";
import { copyFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { main, plan, renderPlan, type PlanResult } from "../../scripts/plan";
import { captureIo, errLines, tempDir } from "../support/cli";

const ROOT = path.join(__dirname, "../..");
const run = promisify(execFile);
const APP_SECRET = "9c1f7e2ab84d4f06a3e5c7d9b1f20e48";
const WECHAT = JSON.stringify({ appId: "wx8f3a61c2d94be705", appSecret: APP_SECRET });

/** The plan command with a planner of the test's own (a stack file, overrides or a program). */
async function runPlan(planner: (stack: string) => Promise<PlanResult>, argv: string[] = []) {
  const io = captureIo();
  const out = tempDir("plan-out-");
  const code = await main([...argv, "--out", out], io, { plan: planner });
  return { code, io, text: `${io.out.join("")}${io.err.join("")}` };
}

/** A project directory with the real Pulumi.yaml and a stack file `Pulumi.s.yaml` of `text`. */
function projectWithStackFile(text: string): string {
  const dir = tempDir("stack-");
  copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  writeFileSync(path.join(dir, "Pulumi.s.yaml"), text);
  return dir;
}

/** The plan command over stack `s` of a project directory of the test's own. */
const planOwnStack = (root: string) =>
  runPlan((s) => plan(s, {}, undefined, { root }), ["--stack", "s"]);

describe("plan command", () => {
  it("prints its usage on --help and exits 0", async () => {
    const io = captureIo();
    expect(await main(["--help"], io)).toBe(0);
    expect(io.out.join("")).toMatch(/^usage: npm run plan/);
    expect(io.err).toEqual([]);
  });

  it.each([
    [
      ["--stack", "dev", "--verbose"],
      /^error: unknown option --verbose\. Fix: see `npm run plan -- --help`$/,
    ],
    [["--stack"], /^error: --stack needs a value\. Fix: /],
    [["dev"], /^error: unexpected argument dev\. Fix: /],
  ])("refuses bad usage %j with one line and exit 2", async (argv, message) => {
    const io = captureIo();
    expect(await main(argv, io)).toBe(2);
    expect(errLines(io)).toEqual([expect.stringMatching(message)]);
    expect(io.out).toEqual([]);
  });

  it("turns a config error into one line per bad key and exit 2", async () => {
    const { code, io } = await runPlan(
      (s) => plan(s, { tokenDurationSeconds: "90000" }),
      ["--stack", "dev"],
    );
    expect(code).toBe(2);
    expect(errLines(io)).toEqual([
      expect.stringMatching(/^error: .*tokenDurationSeconds: .*86400.*Fix: /),
    ]);
  });

  it("turns a builder throwing inside an apply into one line and exit 2, secret hidden", async () => {
    const tsx = path.join(ROOT, "node_modules/.bin/tsx");
    const out = tempDir("plan-out-");
    const failed = await run(
      tsx,
      ["tests/support/brokenProgramPlan.ts", APP_SECRET, "--stack", "dev", "--out", out],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } },
    ).then(
      () => undefined,
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stdout).toBe("");
    expect(failed?.stderr.trimEnd().split("\n")).toEqual([
      expect.stringMatching(
        /^error: The program failed: .*cannot build a trust policy for \[secret\]\. Fix: /,
      ),
    ]);
    expect(`${failed?.stderr}`).not.toContain(APP_SECRET);
  });

  it("fails the plan (exit 1) on a secret exported in clear, naming the output", async () => {
    // The real program, plus an output a careless change could add.
    const program = async () => {
      const { default: real } = (await import("../../infra/index")) as {
        default: () => Promise<Record<string, unknown>>;
      };
      const config = new pulumi.Config("cognito-devauth");
      const wechat = config.requireSecretObject<{ appSecret: string }>("wechat");
      return { ...(await real()), wechatKey: pulumi.unsecret(wechat.apply((w) => w.appSecret)) };
    };
    const planner = (s: string) => plan(s, { wechat: WECHAT }, undefined, { program });
    const result = await planner("dev");
    expect(result.secretOutputs).toEqual(["wechatKey"]);
    expect(result.synthesis.outputs.wechatKey).toBe("[secret]");
    const text = renderPlan(result);
    expect(text).toContain("✖ output 'wechatKey' exports a secret in clear");
    expect(text).toMatch(/1 secret output\(s\) in clear: this stack must not be deployed\./);
    expect(text).not.toContain(APP_SECRET);
    // The command over that same plan (planning it again would give the same result).
    const cli = await runPlan(async () => result, ["--stack", "dev"]);
    expect(cli.code).toBe(1);
    expect(cli.text).not.toContain(APP_SECRET);
  });

  it("never echoes an AppSecret set without --path", async () => {
    const root = projectWithStackFile(
      [
        "config:",
        "  aws:region: us-east-1",
        "  cognito-devauth:developerProviderName: login.wechat.myapp",
        "  cognito-devauth:identityPoolName: myapp_identities_s",
        `  cognito-devauth:wechat: ${APP_SECRET}`,
        "",
      ].join("\n"),
    );
    const { code, io, text } = await planOwnStack(root);
    expect(code).toBe(2);
    expect(errLines(io).length).toBeGreaterThan(0);
    for (const line of errLines(io)) expect(line).toMatch(/^error: .*wechat/);
    expect(text).not.toContain(APP_SECRET);
    // Hidden at the source (the config reader), not by the plan's redaction after the fact.
    expect(text).toContain("(the value is not shown: this key holds a secret)");
    expect(text).not.toContain("[secret]");
  });

  it("answers malformed stack YAML with file:line:col and the problem, never the value", async () => {
    const root = projectWithStackFile(
      [
        "config:",
        "  aws:region: us-east-1",
        "  cognito-devauth:wechat:",
        "    appId: wx8f3a61c2d94be705",
        `     appSecret: ${APP_SECRET}`,
        "",
      ].join("\n"),
    );
    const { code, io, text } = await planOwnStack(root);
    expect(code).toBe(2);
    expect(errLines(io)).toEqual([
      expect.stringMatching(
        /^error: Pulumi\.s\.yaml:\d+:\d+: malformed YAML \([A-Z_]+: .+\)\. Fix: /,
      ),
    ]);
    expect(text).not.toContain(APP_SECRET);
  });

  it("answers a stack file that is a directory with one line and exit 2", async () => {
    const root = projectWithStackFile("");
    const { rmSync, mkdirSync } = await import("node:fs");
    rmSync(path.join(root, "Pulumi.s.yaml"));
    mkdirSync(path.join(root, "Pulumi.s.yaml"));
    const { code, io } = await planOwnStack(root);
    expect(code).toBe(2);
    expect(errLines(io)).toEqual([
      expect.stringMatching(/^error: Pulumi\.s\.yaml is a directory\. Fix: /),
    ]);
  });
});
