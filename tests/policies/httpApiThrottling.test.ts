import { MAX_LOGIN_BURST_LIMIT } from "../../core/quotas";
import { allRules } from "../../policies/rules";
import { runPolicies } from "../../policies/rules/run";
import { both, mutate, expectViolation } from "./fixtures";

describe("http-api-throttling", () => {
  it.each(both)("rejects a stage without throttling (%s)", (partition) => {
    const v = runPolicies(
      mutate(partition, "login-stage", (p) => ({ ...p, defaultRouteSettings: undefined })),
    );
    expectViolation(
      v,
      "http-api-throttling",
      "API stage 'login-stage' has no defaultRouteSettings.throttlingRateLimit / throttlingBurstLimit",
    );
  });

  it("rejects a zero burst limit", () => {
    const v = runPolicies(
      mutate("aws", "login-stage", (p) => ({
        ...p,
        defaultRouteSettings: { throttlingRateLimit: 40, throttlingBurstLimit: 0 },
      })),
    );
    expectViolation(v, "http-api-throttling", "defaultRouteSettings.throttlingBurstLimit (> 0)");
  });

  describe("rate cap", () => {
    const policy = "http-api-throttling";
    const rate =
      (throttlingRateLimit: number, extra: Record<string, unknown> = {}) =>
      (p: Record<string, unknown>) => ({
        ...p,
        defaultRouteSettings: { throttlingRateLimit, throttlingBurstLimit: 40 },
        ...extra,
      });

    describe.each(both)("%s", (partition) => {
      it("rejects a stage rate above the default cap of 50 rps, accepts 50", () => {
        const v = runPolicies(mutate(partition, "login-stage", rate(51)));
        expectViolation(
          v,
          policy,
          "API stage 'login-stage' defaultRouteSettings allows throttlingRateLimit 51 rps, above the 50 rps cap",
        );
        expect(runPolicies(mutate(partition, "login-stage", rate(50)))).toEqual([]);
      });

      it("rejects a per-route override above the cap", () => {
        const v = runPolicies(
          mutate(
            partition,
            "login-stage",
            rate(40, {
              routeSettings: [{ routeKey: "POST /login/wechat", throttlingRateLimit: 10000 }],
            }),
          ),
        );
        expectViolation(
          v,
          policy,
          "routeSettings[0] (POST /login/wechat) allows throttlingRateLimit 10000",
        );
      });

      it("takes the cap from the policy config maxRateLimit", () => {
        const stack = mutate(partition, "login-stage", rate(80));
        expect(runPolicies(stack, { config: { [policy]: { maxRateLimit: 100 } } })).toEqual([]);
        expectViolation(
          runPolicies(stack, { config: { [policy]: { maxRateLimit: 60 } } }),
          policy,
          "above the 60 rps cap",
        );
        expectViolation(
          runPolicies(stack, { config: { [policy]: { maxRateLimit: "lots" } } }),
          policy,
          'maxRateLimit is "lots", not a positive number',
        );
      });
    });

    it("declares maxRateLimit in its config schema", () => {
      const rule = allRules.find((r) => r.name === policy);
      expect(rule?.configSchema?.properties["maxRateLimit"]).toMatchObject({
        type: "number",
        default: 50,
      });
    });
  });

  describe("burst cap", () => {
    const policy = "http-api-throttling";
    const burst =
      (throttlingBurstLimit: number, extra: Record<string, unknown> = {}) =>
      (p: Record<string, unknown>) => ({
        ...p,
        defaultRouteSettings: { throttlingRateLimit: 40, throttlingBurstLimit },
        ...extra,
      });

    describe.each(both)("%s", (partition) => {
      it("rejects a stage burst above the default cap of 50 requests, accepts 50", () => {
        const v = runPolicies(mutate(partition, "login-stage", burst(5000)));
        expectViolation(
          v,
          policy,
          "API stage 'login-stage' defaultRouteSettings allows throttlingBurstLimit 5000 requests, above the 50 requests cap",
        );
        expectViolation(v, policy, "raise the policy config maxBurstLimit");
        expect(runPolicies(mutate(partition, "login-stage", burst(50)))).toEqual([]);
      });

      it("rejects a per-route burst above the cap", () => {
        const v = runPolicies(
          mutate(
            partition,
            "login-stage",
            burst(40, {
              routeSettings: [
                {
                  routeKey: "POST /login/wechat",
                  throttlingRateLimit: 10,
                  throttlingBurstLimit: 900,
                },
              ],
            }),
          ),
        );
        expectViolation(
          v,
          policy,
          "routeSettings[0] (POST /login/wechat) allows throttlingBurstLimit 900 requests",
        );
      });

      it("does not require burst >= rate", () => {
        const stack = mutate(partition, "login-stage", (p) => ({
          ...p,
          defaultRouteSettings: { throttlingRateLimit: 40, throttlingBurstLimit: 5 },
        }));
        expect(runPolicies(stack)).toEqual([]);
      });

      it("takes the cap from the policy config maxBurstLimit", () => {
        const stack = mutate(partition, "login-stage", burst(80));
        expect(runPolicies(stack, { config: { [policy]: { maxBurstLimit: 100 } } })).toEqual([]);
        expectViolation(
          runPolicies(stack, { config: { [policy]: { maxBurstLimit: 60 } } }),
          policy,
          "above the 60 requests cap",
        );
        expectViolation(
          runPolicies(stack, { config: { [policy]: { maxBurstLimit: 0 } } }),
          policy,
          "maxBurstLimit is 0, not a positive number",
        );
      });
    });

    it("declares maxBurstLimit in its config schema, defaulting to core's burst quota", () => {
      const rule = allRules.find((r) => r.name === policy);
      expect(rule?.configSchema?.properties["maxBurstLimit"]).toMatchObject({
        type: "number",
        default: MAX_LOGIN_BURST_LIMIT,
      });
    });
  });
});
