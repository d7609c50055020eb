/** The login API's IAM documents as pure functions (infra/iam/login.ts), for one or several apps. */
import { invokeRoutePolicy, loginFunctionPolicy } from "../../infra/iam/login";
import { arns, partitionFacts } from "../../core/partition";
import { STACKS } from "../support/stacks";

describe.each(STACKS)("login IAM documents in $partition", ({ partition, region }) => {
  const t = { ...partitionFacts(partition, region), accountId: "528715093461" };
  const secret = (name: string) => arns.secretByName(t, name);
  const args = {
    logGroupArn: arns.logGroup(t, "/aws/lambda/login"),
    tableArn: "table",
    identityIndexArn: "index",
    guestUpgrade: false,
    identityPoolArn: "pool",
  };
  const reads = (secrets: string[]) =>
    loginFunctionPolicy({ ...args, wechatSecretArns: secrets }).Statement.filter((s) =>
      [s.Action].flat().some((a) => a.startsWith("secretsmanager:")),
    );

  it("reads exactly one app's secret as before: one statement, one ARN", () => {
    expect(reads([secret("p/wechat-app-secret")])).toEqual([
      {
        Sid: "ReadWeChatAppSecret",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: `arn:${partition}:secretsmanager:${region}:528715093461:secret:p/wechat-app-secret-??????`,
      },
    ]);
  });

  it("reads exactly the secrets of several apps, in order, and nothing else", () => {
    const secrets = [
      secret("p/wechat-app-secret"),
      secret("p/wechat-app-secret/wx3c9e0b7d25a4f618"),
    ];
    expect(reads(secrets)).toEqual([
      expect.objectContaining({ Action: "secretsmanager:GetSecretValue", Resource: secrets }),
    ]);
  });

  it("refuses to build a policy without any secret (a wiring mistake, not an empty grant)", () => {
    expect(() => loginFunctionPolicy({ ...args, wechatSecretArns: [] })).toThrow(
      "wechatSecretArns: at least one ARN is required.",
    );
  });

  it("lets a role invoke exactly the routes it is given", () => {
    const stage = arns.executeApi(t, "a1b2c3d4e5", "$default", "POST", "/login/wechat");
    const oauth = arns.executeApi(t, "a1b2c3d4e5", "$default", "POST", "/login/wechat/oauth");
    expect(invokeRoutePolicy([stage])).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "execute-api:Invoke", Resource: stage }],
    });
    expect(invokeRoutePolicy([stage, oauth]).Statement).toEqual([
      { Effect: "Allow", Action: "execute-api:Invoke", Resource: [stage, oauth] },
    ]);
    expect(() => invokeRoutePolicy([])).toThrow("routeArns: at least one ARN is required.");
  });
});
