/** The `alarms` setting: one notification target, of the stack's partition and region. */
import { ConfigError, parseConfig, type RawConfig } from "../../infra/config";
import { STACKS } from "../support/stacks";
import { chinaDomainFor } from "../support/chinaDomain";

const base = (region: string): RawConfig => ({
  "aws:region": region,
  ...chinaDomainFor(region),
  "cognito-devauth:developerProviderName": "login.wechat.myapp",
  "cognito-devauth:identityPoolName": "myapp_identities",
  "cognito-devauth:allowGuests": "true",
  "cognito-devauth:wechat": JSON.stringify({
    appId: "wx8f3a61c2d94be705",
    appSecret: "9d1f0c2b7e4a4c6f8a3b5d7e9f1a2c4e",
  }),
});

function problems(raw: RawConfig): string[] {
  try {
    parseConfig(raw);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe.each(STACKS)("alarms config in $stack", ({ region, partition }) => {
  const withAlarms = (alarms: unknown) => ({
    ...base(region),
    "cognito-devauth:alarms": JSON.stringify(alarms),
  });
  const topic = (p: string, r: string) => `arn:${p}:sns:${r}:123456789012:ops-alarms`;

  it("defaults to no target: alarms without actions", () => {
    expect(parseConfig(base(region)).alarms).toBeUndefined();
  });

  it("takes a topic of the stack's partition and region, or an email", () => {
    expect(parseConfig(withAlarms({ topicArn: topic(partition, region) })).alarms).toEqual({
      topicArn: topic(partition, region),
      email: undefined,
    });
    expect(parseConfig(withAlarms({ email: "ops@example.com" })).alarms?.email).toBe(
      "ops@example.com",
    );
  });

  it("refuses a topic of another partition or region, naming the key and the fix", () => {
    const other = partition === "aws" ? "aws-cn" : "aws";
    const otherRegion = partition === "aws" ? "cn-north-1" : "us-east-1";
    expect(problems(withAlarms({ topicArn: topic(other, otherRegion) }))).toEqual([
      expect.stringMatching(
        /^cognito-devauth:alarms\.topicArn: the topic is in .* Fix: pulumi config set --path alarms\.topicArn/,
      ),
    ]);
  });

  it("refuses both targets at once, a malformed ARN and a malformed email", () => {
    expect(
      problems(withAlarms({ topicArn: topic(partition, region), email: "ops@example.com" })),
    ).toEqual([expect.stringContaining("set exactly one of topicArn and email")]);
    expect(problems(withAlarms({ topicArn: "ops-alarms" }))).toEqual([
      expect.stringContaining("is not valid: an SNS topic ARN"),
    ]);
    expect(problems(withAlarms({ email: "not an address" }))).toEqual([
      expect.stringContaining("is not valid: an email address"),
    ]);
  });
});
