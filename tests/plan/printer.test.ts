import * as apigateway from "@pulumi/aws/apigateway";
import * as apigatewayv2 from "@pulumi/aws/apigatewayv2";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as iam from "@pulumi/aws/iam";
import * as lambda from "@pulumi/aws/lambda";
import * as sns from "@pulumi/aws/sns";
import { PARTITIONS } from "../../core/partition";
import { planOf, renderPlan, type PlanResult } from "../../scripts/plan";
import { committed, STACKS } from "../support/stacks";

/**
 * A program with resource types the stack does not use yet (a custom domain, alarms, a REST
 * method, a function URL, a managed-policy attachment): the plan must show what a reviewer
 * needs of each, and say which computed values it had to guess.
 */
const program = async () => {
  const policy = new iam.Policy("extra", {
    policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }],
    }),
  });
  new iam.RolePolicyAttachment("extra", { role: "some-role", policyArn: policy.arn });
  new lambda.FunctionUrl("extra", { functionName: "fn", authorizationType: "NONE" });
  new apigateway.Method("extra", {
    restApi: "abcdefghij",
    resourceId: "r0",
    httpMethod: "POST",
    authorization: "NONE",
  });
  const domain = new apigatewayv2.DomainName("login", {
    domainName: "login.example.cn",
    domainNameConfiguration: {
      certificateArn: "cert",
      endpointType: "REGIONAL",
      securityPolicy: "TLS_1_2",
    },
  });
  new apigatewayv2.ApiMapping("login", {
    apiId: "abcdefghij",
    domainName: domain.id,
    stage: "$default",
  });
  const topic = new sns.Topic("alarms");
  const alarm = new cloudwatch.MetricAlarm("errors", {
    comparisonOperator: "GreaterThanThreshold",
    evaluationPeriods: 1,
    metricName: "Errors",
    namespace: "AWS/Lambda",
    period: 60,
    statistic: "Sum",
    threshold: 0,
    alarmActions: [topic.arn],
  });
  const dashboard = new cloudwatch.Dashboard("login", {
    dashboardName: "cognito-devauth-login",
    dashboardBody: "{}",
  });
  return { policyArn: policy.arn, alarmArn: alarm.arn, dashboardArn: dashboard.dashboardArn };
};

describe.each(STACKS)("the printed plan of $stack", ({ stack, partition, region }) => {
  let result: PlanResult;
  let text: string;
  beforeAll(async () => {
    // Outputs of this program are not a stack's: plan only what the printer needs.
    const { synthesize } = await import("../../scripts/synth");
    const synthesis = await synthesize(stack, {}, { program });
    result = {
      synthesis,
      secretOutputs: synthesis.secretOutputs,
      rules: [],
      violations: [],
      iamDocuments: [],
      appConfig: planOf(await committed(stack)).appConfig,
    };
    text = renderPlan(result);
  });

  it("shows the reviewable properties of every resource type, not a whitelist", () => {
    expect(text).toMatch(/extra aws:lambda\/functionUrl:FunctionUrl\n\s+authorizationType: NONE/);
    expect(text).toMatch(/extra aws:apigateway\/method:Method\n\s+authorization: NONE/);
    expect(text).toMatch(
      new RegExp(`policyArn: arn:${partition}:iam::\\d{12}:policy/extra-[0-9a-f]{7}`),
    );
    // An IAM document of any resource type is pretty-printed.
    expect(text).toMatch(
      /extra aws:iam\/policy:Policy[\s\S]*policy:\n\s+\{\n\s+"Version": "2012-10-17"/,
    );
  });

  it("gives realistic computed values for the types coming next", () => {
    const dns = PARTITIONS[partition].dnsSuffix;
    const of = (type: string) => result.synthesis.resources.find((r) => r.type === type)?.state;
    expect(of("aws:apigatewayv2/domainName:DomainName")?.domainNameConfiguration).toMatchObject({
      endpointType: "REGIONAL",
      targetDomainName: expect.stringMatching(
        new RegExp(`^d-[0-9a-z]{10}\\.execute-api\\.${region}\\.${dns.replace(/\./g, "\\.")}$`),
      ),
      hostedZoneId: expect.stringMatching(/^Z[0-9A-Z]{12,13}$/),
    });
    expect(of("aws:sns/topic:Topic")?.arn).toMatch(
      new RegExp(`^arn:${partition}:sns:${region}:\\d{12}:alarms-[0-9a-f]{7}$`),
    );
    expect(of("aws:cloudwatch/metricAlarm:MetricAlarm")?.arn).toMatch(
      new RegExp(`^arn:${partition}:cloudwatch:${region}:\\d{12}:alarm:errors-[0-9a-f]{7}$`),
    );
    expect(of("aws:cloudwatch/dashboard:Dashboard")?.dashboardArn).toMatch(
      new RegExp(`^arn:${partition}:cloudwatch::\\d{12}:dashboard/cognito-devauth-login$`),
    );
    expect(of("aws:apigatewayv2/apiMapping:ApiMapping")).toBeDefined();
    expect(text).not.toContain(`.execute-api.${region}.${dns}undefined`);
  });

  it("warns once, on one line, about each type whose computed values it guessed", () => {
    expect(result.synthesis.unknownTypes).toEqual(["aws:apigateway/method:Method"]);
    const warnings = text.split("\n").filter((l) => l.includes("warning: the mocks do not know"));
    expect(warnings).toEqual([expect.stringContaining("aws:apigateway/method:Method")]);
  });
});
