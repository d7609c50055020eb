import { noSecretInLambdaEnv } from "../../policies/rules/noSecretInLambdaEnv";
import { runPolicies } from "../../policies/rules/run";
import { proxyModule, ENVS, both, mutate, validateDirectly, expectViolation } from "./fixtures";

describe("no-secret-in-lambda-env", () => {
  const policy = "no-secret-in-lambda-env";
  const withVar = (key: string, value: unknown) => (props: Record<string, unknown>) => {
    const env = props["environment"] as { variables: Record<string, unknown> };
    return { ...props, environment: { variables: { ...env.variables, [key]: value } } };
  };

  it.each(both)("rejects a secret-named variable with a literal value (%s)", (partition) => {
    const v = runPolicies(
      mutate(partition, "login", withVar("WECHAT_APP_SECRET", "not-a-hex-value")),
    );
    expectViolation(
      v,
      policy,
      "environment variable WECHAT_APP_SECRET looks like a literal secret",
    );
  });

  it.each(both)("rejects a WeChat AppSecret-shaped value under any name (%s)", (partition) => {
    const v = runPolicies(
      mutate(partition, "login", withVar("WECHAT_CONF", "0123456789abcdef0123456789abcdef")),
    );
    expectViolation(v, policy, "WECHAT_CONF holds a value shaped like a WeChat AppSecret");
  });

  it("rejects an AWS access key pair", () => {
    const v = runPolicies(
      mutate("aws", "login", (p) =>
        withVar(
          "AK",
          "AKIAABCDEFGHIJKLMNOP",
        )(withVar("SK", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")(p)),
      ),
    );
    expectViolation(v, policy, "AK holds a value shaped like an AWS access key id");
    expectViolation(v, policy, "SK holds a value shaped like an AWS secret access key");
  });

  it("rejects a Pulumi secret output recorded in a plan", () => {
    const secret = {
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      value: "x",
    };
    const v = runPolicies(mutate("aws", "login", withVar("WECHAT_CONF", secret)));
    expectViolation(v, policy, "WECHAT_CONF is a Pulumi secret");
  });

  it("does not print the secret value in the message", () => {
    const v = runPolicies(mutate("aws", "login", withVar("DB_PASSWORD", "hunter2-hunter2")));
    expectViolation(v, policy, "DB_PASSWORD looks like a literal secret");
    expect(v.map((x) => x.message).join(" ")).not.toContain("hunter2");
  });

  it("flags a secret-named variable even while its value is unknown during preview", () => {
    const props = proxyModule.unknownCheckingProxy({
      runtime: "nodejs22.x",
      environment: { variables: { SESSION_KEY: proxyModule.unknownStringValue, TABLE_NAME: "t" } },
    });
    const messages = validateDirectly(noSecretInLambdaEnv, {
      type: "aws:lambda/function:Function",
      name: "login",
      props,
    });
    expect(messages).toEqual([expect.stringContaining("SESSION_KEY looks like a literal secret")]);
  });

  it.each(both)(
    "accepts references and plain settings under secret-sounding names (%s)",
    (partition) => {
      const { region, account } = ENVS[partition];
      const secretArn = `arn:${partition}:secretsmanager:${region}:${account}:secret:x`;
      const v = runPolicies(
        mutate(partition, "login", (p) =>
          withVar(
            "APP_SECRET",
            secretArn,
          )(withVar("WECHAT_SECRET_NAME", "wechat/app-secret")(withVar("TOKEN_TTL", "900")(p))),
        ),
      );
      expect(v.filter((x) => x.policy === policy)).toEqual([]);
    },
  );

  describe("a JSON variable (WECHAT_APPS)", () => {
    const apps = (partition: "aws" | "aws-cn", extra: Record<string, string>) => {
      const { region, account } = ENVS[partition];
      return JSON.stringify([
        {
          appId: "wx0123456789abcdef",
          kind: "miniprogram",
          secretArn: `arn:${partition}:secretsmanager:${region}:${account}:secret:a-AbCdEf`,
        },
        { appId: "wx3c9e0b7d25a4f618", kind: "oauth", ...extra },
      ]);
    };

    it.each(both)("accepts AppIDs and secret ARNs (%s)", (partition) => {
      const { region, account } = ENVS[partition];
      const secretArn = `arn:${partition}:secretsmanager:${region}:${account}:secret:b-GhIjKl`;
      const v = runPolicies(
        mutate(partition, "login", withVar("WECHAT_APPS", apps(partition, { secretArn }))),
      );
      expect(v.filter((x) => x.policy === policy)).toEqual([]);
    });

    it.each(both)(
      "rejects an AppSecret nested in it, naming the field, never the value (%s)",
      (partition) => {
        const v = runPolicies(
          mutate(
            partition,
            "login",
            withVar("WECHAT_APPS", apps(partition, { appSecret: "hunter2-hunter2" })),
          ),
        );
        expectViolation(
          v,
          policy,
          "environment variable WECHAT_APPS field [1].appSecret looks like a literal secret",
        );
        expect(v.map((x) => x.message).join(" ")).not.toContain("hunter2");
      },
    );

    it("rejects an AppSecret-shaped value under an innocent field name", () => {
      const v = runPolicies(
        mutate(
          "aws",
          "login",
          withVar("WECHAT_APPS", apps("aws", { note: "0123456789abcdef0123456789abcdef" })),
        ),
      );
      expectViolation(
        v,
        policy,
        "WECHAT_APPS field [1].note holds a value shaped like a WeChat AppSecret",
      );
    });
  });
});
