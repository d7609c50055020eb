/** What the smoke check takes from a stack's outputs: it probes the mini-program route. */
import { parseSmokeTarget } from "../../scripts/smokeTarget";
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
    expect(target.route?.url).toBe(o.loginUrl);
  });

  it("probes only the OAuth route of a stack without a mini-program", () => {
    const { loginUrl, loginAppIds: _ids, ...rest } = deployedOutputs(region);
    const target = parseSmokeTarget(stack, {
      ...rest,
      oauthLoginUrl: `${loginUrl}/oauth`,
      oauthAppIds: ["wx3c9e0b7d25a4f618"],
    });
    expect(target.route).toBeUndefined();
    expect(target.oauthRoute).toMatchObject({
      url: `${loginUrl}/oauth`,
      appId: "wx3c9e0b7d25a4f618",
      auth: "iam",
    });
    expect(target.loginFlow).toBe("enhanced");
  });
});
