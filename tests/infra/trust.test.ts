import { cognitoTrustPolicy } from "../../infra/iam/trust";
import { expectedTrustPolicy } from "../support/trust";

const POOL = "cn-north-1:0d3c5e7a-91b2-4c3d-8e4f-5a6b7c8d9e0f";

describe("cognitoTrustPolicy", () => {
  it("admits only this pool's authenticated identities through AssumeRoleWithWebIdentity", () => {
    expect(
      cognitoTrustPolicy({
        identityPoolId: POOL,
        kind: "authenticated",
        principal: "cognito-identity.amazonaws.com",
        conditionKeyPrefix: "cognito-identity.amazonaws.com",
      }),
    ).toEqual(expectedTrustPolicy("cognito-identity.amazonaws.com", POOL, "authenticated"));
  });

  it("admits guests only with amr unauthenticated", () => {
    const doc = cognitoTrustPolicy({
      identityPoolId: POOL,
      kind: "unauthenticated",
      principal: "cognito-identity.amazonaws.com",
      conditionKeyPrefix: "cognito-identity.amazonaws.com",
    });
    expect(doc.Statement[0]?.Condition?.["ForAnyValue:StringLike"]).toEqual({
      "cognito-identity.amazonaws.com:amr": "unauthenticated",
    });
  });

  it("uses the given principal and condition-key prefix (per-stack override for aws-cn)", () => {
    const doc = cognitoTrustPolicy({
      identityPoolId: POOL,
      kind: "authenticated",
      principal: "cognito-identity.cn-north-1.amazonaws.com.cn",
      conditionKeyPrefix: "cognito-identity.amazonaws.com.cn",
    });
    expect(doc.Statement[0]?.Principal).toEqual({
      Federated: "cognito-identity.cn-north-1.amazonaws.com.cn",
    });
    expect(doc.Statement[0]?.Condition).toEqual({
      StringEquals: { "cognito-identity.amazonaws.com.cn:aud": POOL },
      "ForAnyValue:StringLike": { "cognito-identity.amazonaws.com.cn:amr": "authenticated" },
    });
  });

  it.each(["*", "", " ", "us-east-1:*", "us-east-1:?"])(
    "refuses a pool id that is not concrete: '%s'",
    (identityPoolId) => {
      expect(() =>
        cognitoTrustPolicy({
          identityPoolId,
          kind: "authenticated",
          principal: "cognito-identity.amazonaws.com",
          conditionKeyPrefix: "cognito-identity.amazonaws.com",
        }),
      ).toThrow(/Not a concrete identity pool id/);
    },
  );
});
