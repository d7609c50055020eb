import {
  PARTITIONS,
  apiGatewayArn,
  apiGatewayArns,
  arn,
  arns,
  partitionFacts,
  partitionOfRegion,
} from "../../core/partition";

describe("partition table", () => {
  it.each([
    ["us-east-1", "aws"],
    ["ap-southeast-1", "aws"],
    ["cn-north-1", "aws-cn"],
    ["cn-northwest-1", "aws-cn"],
  ])("puts %s in partition %s", (region, partition) => {
    expect(partitionOfRegion(region)).toBe(partition);
  });

  it.each(["us-gov-west-1", "us-isob-east-1", "mars-1", ""])(
    "does not support region '%s'",
    (region) => {
      expect(partitionOfRegion(region)).toBeUndefined();
    },
  );

  it("gives the global form of every Cognito fact in the global partition", () => {
    expect(partitionFacts("aws", "eu-west-1")).toEqual({
      ...PARTITIONS.aws,
      region: "eu-west-1",
      cognitoLoginsKey: "cognito-identity.amazonaws.com",
      cognitoTokenIssuer: "https://cognito-identity.amazonaws.com",
      trustPrincipal: "cognito-identity.amazonaws.com",
      trustConditionKeyPrefix: "cognito-identity.amazonaws.com",
    });
  });

  it("uses the Beijing logins key and issuer in AWS China, with the global trust form by default", () => {
    const facts = partitionFacts("aws-cn", "cn-north-1");
    expect(facts.dnsSuffix).toBe("amazonaws.com.cn");
    expect(facts.cognitoLoginsKey).toBe("cognito-identity.cn-north-1.amazonaws.com.cn");
    expect(facts.cognitoTokenIssuer).toBe("https://cognito-identity.cn-north-1.amazonaws.com.cn");
    expect(facts.trustPrincipal).toBe("cognito-identity.amazonaws.com");
    expect(facts.trustConditionKeyPrefix).toBe("cognito-identity.amazonaws.com");
  });

  it("records what AWS China lacks: user pools, Facebook and Twitter, pools outside Beijing", () => {
    expect(PARTITIONS["aws-cn"].userPools).toBe(false);
    expect(PARTITIONS["aws-cn"].unsupportedSocialProviders).toEqual([
      "graph.facebook.com",
      "api.twitter.com",
    ]);
    expect(PARTITIONS["aws-cn"].identityPoolRegions).toEqual(["cn-north-1"]);
    expect(PARTITIONS["aws-cn"].publicApiNeedsIcp).toBe(true);
    expect(PARTITIONS.aws.publicApiNeedsIcp).toBe(false);
  });

  it("takes a per-stack trust principal and pairs it with its family's key prefix", () => {
    const facts = partitionFacts("aws-cn", "cn-north-1", {
      principal: "cognito-identity.cn-north-1.amazonaws.com.cn",
    });
    expect(facts.trustPrincipal).toBe("cognito-identity.cn-north-1.amazonaws.com.cn");
    // The Chinese AWS China page pairs the regional principal with `.com.cn` condition keys.
    expect(facts.trustConditionKeyPrefix).toBe("cognito-identity.amazonaws.com.cn");
    const both = partitionFacts("aws-cn", "cn-north-1", {
      principal: "cognito-identity.cn-north-1.amazonaws.com.cn",
      conditionKeyPrefix: "cognito-identity.amazonaws.com.cn",
    });
    expect(both.trustConditionKeyPrefix).toBe("cognito-identity.amazonaws.com.cn");
  });

  it("rejects a provider partition that disagrees with the region", () => {
    expect(() => partitionFacts("aws", "cn-north-1")).toThrow(
      /reports partition 'aws' but aws:region is 'cn-north-1'/,
    );
  });

  it("rejects a partition the project does not support", () => {
    expect(() => partitionFacts("aws-us-gov", "us-gov-west-1")).toThrow(/does not support/);
  });

  it("refuses to build an ARN with a missing part", () => {
    expect(() => arn({ partition: "aws" }, "iam", "", "", "role/x")).toThrow(/account is missing/);
    expect(() => arn({ partition: "aws" }, "iam", "", "111122223333", "undefined")).toThrow(
      /resource is missing/,
    );
  });

  it.each(["aws", "aws-cn"] as const)("spells ARNs with the %s partition", (partition) => {
    expect(arn({ partition }, "dynamodb", "r", "111122223333", "table/t")).toBe(
      ["arn", partition, "dynamodb", "r", "111122223333", "table/t"].join(":"),
    );
  });

  describe.each([
    ["aws", "us-east-1"],
    ["aws-cn", "cn-north-1"],
  ] as const)("resource ARNs in %s", (partition, region) => {
    const t = { ...partitionFacts(partition, region), accountId: "111122223333" };
    const at = (service: string, r: string, a: string, res: string) =>
      ["arn", partition, service, r, a, res].join(":");

    it("builds the ARNs the mocks and the program share", () => {
      expect(arns.policy(t, "p")).toBe(at("iam", "", "111122223333", "policy/p"));
      expect(arns.policy(t, "p", "/app/")).toBe(at("iam", "", "111122223333", "policy/app/p"));
      expect(arns.snsTopic(t, "alerts")).toBe(at("sns", region, "111122223333", "alerts"));
      expect(arns.metricAlarm(t, "a")).toBe(at("cloudwatch", region, "111122223333", "alarm:a"));
      expect(arns.dashboard(t, "d")).toBe(at("cloudwatch", "", "111122223333", "dashboard/d"));
      expect(arns.secret(t, "s", "AbCdEf")).toBe(
        at("secretsmanager", region, "111122223333", "secret:s-AbCdEf"),
      );
      expect(arns.apiExecution(t, "abc123")).toBe(
        at("execute-api", region, "111122223333", "abc123"),
      );
      expect(arns.apiExecution(t, "abc123", "$default")).toBe(
        at("execute-api", region, "111122223333", "abc123/$default"),
      );
    });

    it("builds API Gateway management ARNs with an empty account", () => {
      expect(apiGatewayArns.api(t, "abc123")).toBe(at("apigateway", region, "", "/apis/abc123"));
      expect(apiGatewayArns.stage(t, "abc123", "$default")).toBe(
        at("apigateway", region, "", "/apis/abc123/stages/$default"),
      );
      expect(apiGatewayArns.domainName(t, "login.example.com")).toBe(
        at("apigateway", region, "", "/domainnames/login.example.com"),
      );
    });
  });

  it.each(["", "apis/x", "/apis/", "/apis//x", "/apis/undefined", "/apis/x y"])(
    "refuses API Gateway resource path '%s'",
    (path) => {
      expect(() => apiGatewayArn({ partition: "aws", region: "us-east-1" }, path)).toThrow(
        /not a resource path/,
      );
    },
  );
});
