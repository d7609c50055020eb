import { runPolicies } from "../../policies/rules/run";
import { both, expectViolation, ofPolicy, resourceOf, withExtra } from "./fixtures";

describe("account-route-iam", () => {
  const policy = "account-route-iam";
  const route = (partition: (typeof both)[number], routeKey: string, auth?: string) =>
    resourceOf(partition, "aws:apigatewayv2/route:Route", "account-route", {
      apiId: "a1b2c3d4e5",
      routeKey,
      ...(auth !== undefined ? { authorizationType: auth } : {}),
    });

  it.each(both)("accepts an IAM-authorized account route (%s)", (partition) => {
    const v = runPolicies(withExtra(partition, route(partition, "DELETE /account", "AWS_IAM")));
    expect(ofPolicy(v, policy)).toEqual([]);
  });

  it.each(both)("rejects a public account-deletion route (%s)", (partition) => {
    const v = runPolicies(withExtra(partition, route(partition, "DELETE /account", "NONE")));
    expectViolation(
      v,
      policy,
      "API route 'account-route' (DELETE /account) has authorizationType NONE",
    );
  });

  it("rejects a route below /account without authorization, and leaves other paths alone", () => {
    const below = runPolicies(withExtra("aws", route("aws", "GET /account/export")));
    expectViolation(below, policy, "(GET /account/export) has authorizationType unset (NONE)");
    const other = runPolicies(withExtra("aws", route("aws", "POST /accounts-info", "NONE")));
    expect(ofPolicy(other, policy)).toEqual([]);
  });
});
