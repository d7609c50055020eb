import type * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { PARTITIONS } from "../../core/partition";
import type { MockTarget, RecordingMocks } from "../../scripts/mocks";
import { synthesize, type Synthesis } from "../../scripts/synth";
import { committed, ofType, STACKS, strings } from "../support/stacks";

/**
 * Mocks as Pulumi's testing guide writes them: ids `<name>_id`, state = inputs, no computed
 * ARNs. Only the three invokes the program makes are answered (docs/testing.md). The program must
 * not depend on the mocks for any ARN.
 */
function plainMocks(answerPartition: boolean) {
  return (t: MockTarget): RecordingMocks => ({
    unknownCalls: [],
    unknownTypes: [],
    newResource: (args: pulumi.runtime.MockResourceArgs) => ({
      id: `${args.name}_id`,
      state: args.inputs,
    }),
    call: (args: pulumi.runtime.MockCallArgs) => {
      switch (args.token) {
        case "aws:index/getPartition:getPartition":
          return answerPartition
            ? { partition: t.partition, dnsSuffix: PARTITIONS[t.partition].dnsSuffix }
            : {};
        case "aws:index/getCallerIdentity:getCallerIdentity":
          return { accountId: t.accountId };
        case "aws:index/getRegion:getRegion":
          return { region: t.region };
        default:
          return args.inputs;
      }
    },
  });
}

const everything = (s: Synthesis) => strings([s.resources.map((r) => r.inputs), s.outputs]);

describe.each(STACKS)("$stack under plain mocks", ({ stack, partition, region }) => {
  let synth: Synthesis;
  beforeAll(async () => {
    synth = await synthesize(stack, {}, { mocks: plainMocks(true) });
  });

  it("puts no undefined value into any resource or output", () => {
    expect(everything(synth).filter((s) => s.includes("undefined"))).toEqual([]);
  });

  it("builds every ARN itself, in the stack's partition, region and account", () => {
    const arns = everything(synth).filter((s) => s.startsWith("arn:"));
    expect(arns.length).toBeGreaterThanOrEqual(8);
    for (const value of arns) {
      expect(value).toMatch(
        new RegExp(`^arn:${partition}:[a-z0-9-]+:(${region})?:(\\d{12}|lambda)?:`),
      );
    }
  });

  it("gives every IAM permission statement a resource", () => {
    const policies = synth.resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy");
    expect(policies.length).toBeGreaterThan(0);
    for (const p of policies) {
      const doc = JSON.parse(String(p.inputs.policy)) as { Statement: { Resource?: unknown }[] };
      for (const statement of doc.Statement) {
        // One ARN, or a non-empty list of them (the secrets of several WeChat apps).
        const resources = Array.isArray(statement.Resource)
          ? statement.Resource
          : [statement.Resource];
        expect(resources.length).toBeGreaterThan(0);
        for (const r of resources) expect(r).toEqual(expect.any(String));
      }
    }
  });

  it("outputs role ARNs and the login URL without help from the mocks", () => {
    expect(synth.outputs.authenticatedRoleArn).toBe(
      `arn:${partition}:iam::${synth.accountId}:role/cognito-devauth-${stack}-authenticated`,
    );
    // A stack with a custom domain serves the login there (China's committed stack does).
    expect(synth.outputs.loginUrl).toBe(
      partition === "aws-cn"
        ? "https://login.myapp.cn/login/wechat"
        : `https://wechat-login-api_id.execute-api.${region}.${PARTITIONS[partition].dnsSuffix}/login/wechat`,
    );
    expect(synth.outputs.tableName).toBe(`cognito-devauth-${stack}-users`);
  });
});

it.each(STACKS)(
  "takes the partition from the region when getPartition answers nothing ($stack)",
  async ({ stack, partition }) => {
    const synth = await synthesize(stack, {}, { mocks: plainMocks(false) });
    expect(synth.outputs.partition).toBe(partition);
    expect(String(synth.outputs.authenticatedRoleArn)).toMatch(new RegExp(`^arn:${partition}:`));
  },
);

describe.each(STACKS)("$stack under the plan's realistic mocks", ({ stack }) => {
  it("answers with the ARNs the program builds itself (one builder, core/partition)", async () => {
    const synth = await committed(stack);
    const roles = ofType(synth, "aws:iam/role:Role");
    expect(roles.map((r) => r.state.arn)).toContain(synth.outputs.authenticatedRoleArn);
    const pool = ofType(synth, "aws:cognito/identityPool:IdentityPool")[0];
    expect(pool?.state.arn).toMatch(
      new RegExp(`:identitypool/${String(synth.outputs.identityPoolId)}$`),
    );
    expect(synth.unknownTypes).toEqual([]);
  });
});

it("spells no ARN format in the mocks", () => {
  const source = readFileSync(path.join(__dirname, "../../scripts/mocks.ts"), "utf8");
  expect(source).not.toMatch(/`arn:|"arn:|'arn:/);
});
