/** What the smoke check takes from a stack's outputs: it probes the mini-program route. */
import { parseSmokeTarget, SmokeInputError } from "../../scripts/smokeTarget";
import { deployedOutputs } from "../support/outputs";
import { STACKS } from "../support/stacks";

describe.each(STACKS)("smoke target of $stack", ({ stack, region }) => {
  it("probes the mini-program route of a stack with OAuth apps too", () => {
    const o = deployedOutputs(region);
    const target = parseSmokeTarget(stack, {
      ...o,
      oauthLoginUrl: `${o.loginUrl}/oauth`,
      oauthAppIds: ["wx3c9e0b7d25a4f618"],
    });
    expect(target.route.url).toBe(o.loginUrl);
  });

  it("refuses a stack without a mini-program, naming the missing output and the fix", () => {
    const { loginUrl, loginAppIds: _ids, ...rest } = deployedOutputs(region);
    const outputs = {
      ...rest,
      oauthLoginUrl: `${loginUrl}/oauth`,
      oauthAppIds: ["wx3c9e0b7d25a4f618"],
    };
    expect(() => parseSmokeTarget(stack, outputs)).toThrow(SmokeInputError);
    expect(() => parseSmokeTarget(stack, outputs)).toThrow(
      /cannot be smoke-checked: loginUrl is missing .*Fix: add a mini-program app/,
    );
  });
});
