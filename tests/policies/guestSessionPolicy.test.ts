import { guestSessionKeeps } from "../../core/guestSessionPolicy";
import { allRules } from "../../policies/rules";
import { runPolicies } from "../../policies/rules/run";
import { arnOf, both, expectViolation, mutate, ofPolicy, policyOf } from "./fixtures";

describe("guest-session-policy", () => {
  const policy = "guest-session-policy";

  it("is advisory: a warning never fails the plan", () => {
    expect(allRules.find((r) => r.name === policy)?.enforcementLevel).toBe("advisory");
  });

  it("knows what the session policy keeps (docs/cognito.md)", () => {
    expect(guestSessionKeeps("polly:SynthesizeSpeech")).toBe("kept");
    expect(guestSessionKeeps("RUM:PutRumEvents")).toBe("kept");
    expect(guestSessionKeeps("geo:SearchPlaceIndexForText")).toBe("partial");
    expect(guestSessionKeeps("s3:GetObject")).toBe("removed");
    expect(guestSessionKeeps("execute-api:Invoke")).toBe("removed");
  });

  describe.each(both)("%s", (partition) => {
    const guestGranted = (statement: Record<string, unknown>) =>
      runPolicies(
        mutate(partition, "guest-invoke", (props) => ({ ...props, policy: policyOf([statement]) })),
      );

    it("does not warn about the stack's own login route (signed with basic-flow credentials)", () => {
      expect(ofPolicy(runPolicies(mutate(partition, "x", (p) => p)), policy)).toEqual([]);
    });

    it("warns about S3 for guests", () => {
      const v = guestGranted({
        Effect: "Allow",
        Action: ["s3:GetObject", "polly:SynthesizeSpeech"],
        Resource: `arn:${partition}:s3:::app-files/public/*`,
      });
      expectViolation(
        v,
        policy,
        "Guest role 'guest-role' is granted s3:GetObject in RolePolicy 'guest-invoke'",
      );
    });

    it("warns about invoking another API", () => {
      const v = guestGranted({
        Effect: "Allow",
        Action: "execute-api:Invoke",
        Resource: arnOf(partition, "execute-api", "zzzzzzzzzz/prod/GET/orders"),
      });
      expectViolation(v, policy, "execute-api:Invoke");
    });

    it("does not warn about the authenticated role", () => {
      const v = runPolicies(
        mutate(partition, "auth-role-data", (props) => ({
          ...props,
          policy: policyOf([
            { Effect: "Allow", Action: "s3:GetObject", Resource: `arn:${partition}:s3:::f/p/*` },
          ]),
        })),
      );
      expect(ofPolicy(v, policy)).toEqual([]);
    });
  });
});
