/**
 * The invocation deadline is a timer the handler holds for the life of the call (not a bare
 * `AbortSignal.timeout`, whose source garbage collection may collect: nodejs/node#57736). Under
 * jest's fake timers only a timer the handler owns can fire, and any timer left behind shows up.
 */
import { classifyAwsError } from "../../functions/login/errors";
import type { CredentialsPort, Deadline, IdentityPort } from "../../functions/login/ports";
import { CONTEXT, errorOf, expectNoSecrets, harness, loginEvent, parse } from "./support";

const UNION = { openid: "oOpenId_abcdefghijklmnopqrstu", unionid: "oUnion_ABCDEFGHIJKLMNOPQRSTUV" };

/** Never answers; on abort it fails as the real adapters do (the SDK's abort, classified). */
function untilAborted(upstream: string, signal: Deadline): Promise<never> {
  return new Promise((_resolve, reject) => {
    signal.addEventListener("abort", () => reject(classifyAwsError(upstream, signal.reason)), {
      once: true,
    });
  });
}
const slowIdentity: IdentityPort = {
  getOpenIdToken: (_i, signal) => untilAborted("cognito", signal),
  merge: (_i, signal) => untilAborted("cognito", signal),
};
const slowSts: CredentialsPort = { assumeRole: (_i, signal) => untilAborted("sts", signal) };

// `performance` stays real: the deadline must fire on fake time, not after real seconds.
beforeEach(() => jest.useFakeTimers({ doNotFake: ["performance"] }));
afterEach(() => jest.useRealTimers());

describe("invocation deadline", () => {
  it.each([
    ["Cognito", "enhanced" as const],
    ["STS", "basic" as const],
  ])("answers 503 UPSTREAM_UNAVAILABLE with Retry-After when %s outlives it", async (_l, flow) => {
    const slow = flow === "enhanced" ? { identity: slowIdentity } : { credentials: slowSts };
    // CONTEXT leaves 10 s: the deadline is 9.5 s of fake time, far beyond the test's timeout.
    const h = harness(flow, {}, { maxLoginMs: 30_000, ...slow });
    h.wechat.codes.set("slow", UNION);
    const t0 = performance.now();
    let settled = false;
    const pending = h.handler(loginEvent({ code: "slow" }), CONTEXT).then((r) => {
      settled = true;
      return r;
    });
    await jest.advanceTimersByTimeAsync(9_499);
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    const res = parse(await pending);
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(res.statusCode).toBe(503);
    expect(errorOf(res).code).toBe("UPSTREAM_UNAVAILABLE");
    expect(res.headers["retry-after"]).toBe("1");
    expect(jest.getTimerCount()).toBe(0);
    expectNoSecrets([JSON.stringify(res), h.logger.text()]);
  });

  it("takes the Lambda's remaining time minus the margin when that is shorter", async () => {
    const h = harness("enhanced", {}, { deadlineMarginMs: 500, identity: slowIdentity });
    h.wechat.codes.set("slow", UNION);
    const t0 = performance.now();
    const pending = h.handler(loginEvent({ code: "slow" }), {
      awsRequestId: "r",
      getRemainingTimeInMillis: () => 8_000,
    });
    await jest.advanceTimersByTimeAsync(7_500);
    expect(jest.getTimerCount()).toBe(0);
    const res = parse(await pending);
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(res.statusCode).toBe(503);
    expect(jest.getTimerCount()).toBe(0);
  });

  it.each(["enhanced" as const, "basic" as const])(
    "leaves no timer behind after a successful %s login",
    async (flow) => {
      const h = harness(flow);
      h.wechat.codes.set("c", UNION);
      const res = parse(await h.handler(loginEvent({ code: "c" }), CONTEXT));
      expect(res.statusCode).toBe(200);
      expect(jest.getTimerCount()).toBe(0);
    },
  );

  it("leaves no timer behind after a failed login", async () => {
    const h = harness("enhanced");
    const res = parse(await h.handler(loginEvent({ code: "unknown-code" }), CONTEXT));
    expect(res.statusCode).toBe(401);
    expect(jest.getTimerCount()).toBe(0);
  });
});
