/**
 * Alarms, a dashboard and the optional notification target of the login path (alarm specs:
 * ./alarms.ts; what to do when one fires: docs/runbook.md). Alarms are always created; they act
 * (ALARM and OK) only when a target is configured: an existing SNS topic, or an email address
 * the stack subscribes to a topic of its own.
 */
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as sns from "@pulumi/aws/sns";
import * as pulumi from "@pulumi/pulumi";
import {
  DIMENSION,
  LOGIN_ERROR_CODES,
  LOGIN_OUTCOMES,
  METRIC,
  METRICS_NAMESPACE,
  UPSTREAMS,
  UPSTREAM_ERROR_CLASSES,
  WECHAT_ERROR_CLASSES,
} from "../core/metrics";
import type { DeployTarget } from "../core/partition";
import { API_THROTTLED_METRIC, alarmSpecs, type AlarmSpec, type MetricRef } from "./alarms";

export interface AlarmNotifications {
  /** Existing SNS topic of the stack's partition and region. */
  readonly topicArn?: string | undefined;
  /** Address the stack subscribes to a topic it creates (the owner confirms by email). */
  readonly email?: string | undefined;
}

export interface MonitoringArgs {
  target: pulumi.Input<DeployTarget>;
  /** `<project>-<stack>`: alarm, topic and dashboard names start with it. */
  namePrefix: string;
  /** The `stack` dimension of the login metrics. */
  metricsStack: string;
  apiId: pulumi.Input<string>;
  stageName: pulumi.Input<string>;
  functionName: pulumi.Input<string>;
  /** The account (deletion) function on the same stage. */
  accountFunctionName: pulumi.Input<string>;
  /** Access log group of the stage (JSON lines with `status`, `integrationStatus` and `apiId`). */
  accessLogGroupName: pulumi.Input<string>;
  timeoutSeconds: number;
  notifications: AlarmNotifications | undefined;
  tags: Record<string, string>;
}

export class Monitoring extends pulumi.ComponentResource {
  /** Physical alarm names, by spec key. */
  public readonly alarmNames: Record<string, string>;
  public readonly dashboardName: string;
  /** The topic alarms notify, when one is configured. */
  public readonly topicArn: pulumi.Output<string> | undefined;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cognito-devauth:index:Monitoring", name, {}, opts);
    const { namePrefix, tags } = args;

    // Stage throttling (429) appears in no HTTP API metric but `4xx`: counted from the access log,
    // a 429 the function did not answer (its RATE_LIMITED, e.g. the per-client limit, WeChat
    // 45011 or Cognito throttling, has its own alarms and must not read as the stage's limit).
    new cloudwatch.LogMetricFilter(
      `${name}-api-throttled`,
      {
        logGroupName: args.accessLogGroupName,
        // Each clause in parentheses, as CloudWatch Logs' compound JSON examples and CDK write it.
        pattern: '{ ($.status = "429") && ($.integrationStatus != "429") }',
        metricTransformation: {
          namespace: METRICS_NAMESPACE,
          name: API_THROTTLED_METRIC,
          value: "1",
          unit: "Count",
          dimensions: { ApiId: "$.apiId" },
        },
      },
      { parent: this },
    );

    const notifications = args.notifications;
    let topicArn: pulumi.Output<string> | undefined;
    if (notifications?.topicArn) {
      topicArn = pulumi.output(notifications.topicArn);
    } else if (notifications?.email) {
      const topic = new sns.Topic(
        `${name}-alarms`,
        { name: `${namePrefix}-alarms`, tags },
        { parent: this },
      );
      new sns.TopicSubscription(
        `${name}-alarms-email`,
        { topic: topic.arn, protocol: "email", endpoint: notifications.email },
        { parent: this },
      );
      topicArn = topic.arn;
    }
    const actions = topicArn ? [topicArn] : [];

    const specs = alarmSpecs<pulumi.Input<string>>({
      stack: args.metricsStack,
      apiId: args.apiId,
      stageName: args.stageName,
      functionName: args.functionName,
      timeoutSeconds: args.timeoutSeconds,
      accountFunctionName: args.accountFunctionName,
    });
    this.alarmNames = {};
    for (const spec of specs) {
      const alarmName = `${namePrefix}-${spec.key}`;
      this.alarmNames[spec.key] = alarmName;
      new cloudwatch.MetricAlarm(
        `${name}-${spec.key}`,
        {
          name: alarmName,
          alarmDescription: `${spec.description} Runbook: docs/runbook.md, section ${spec.key}.`,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          threshold: spec.threshold,
          evaluationPeriods: spec.evaluationPeriods,
          datapointsToAlarm: spec.datapointsToAlarm,
          // No data is no traffic (or no failure), not an incident.
          treatMissingData: "notBreaching",
          ...alarmMetric(spec),
          actionsEnabled: true,
          alarmActions: actions,
          okActions: actions,
          tags,
        },
        { parent: this },
      );
    }

    this.dashboardName = `${namePrefix}-login`;
    new cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        dashboardName: this.dashboardName,
        dashboardBody: pulumi
          .all([
            args.target,
            args.apiId,
            args.stageName,
            args.functionName,
            args.accountFunctionName,
          ])
          .apply(([t, apiId, stageName, functionName, accountFunctionName]) =>
            JSON.stringify(
              dashboardBody({
                region: t.region,
                stack: args.metricsStack,
                apiId,
                stageName,
                functionName,
                accountFunctionName,
              }),
            ),
          ),
      },
      { parent: this },
    );
    this.topicArn = topicArn;

    this.registerOutputs({
      alarmNames: this.alarmNames,
      dashboardName: this.dashboardName,
      topicArn: this.topicArn,
    });
  }
}

/** The MetricAlarm inputs of one spec: a single metric, or metric math with one result. */
function alarmMetric(spec: AlarmSpec<pulumi.Input<string>>) {
  const stat = (m: MetricRef<pulumi.Input<string>>) =>
    /^p\d/.test(m.stat) ? { extendedStatistic: m.stat } : { statistic: m.stat };
  if (spec.kind === "metric") {
    return {
      namespace: spec.metric.namespace,
      metricName: spec.metric.metricName,
      dimensions: { ...spec.metric.dimensions },
      period: spec.periodSeconds,
      ...stat(spec.metric),
    };
  }
  return {
    metricQueries: [
      ...spec.metrics.map((m, i) => ({
        id: `m${i}`,
        returnData: false,
        metric: {
          namespace: m.namespace,
          metricName: m.metricName,
          dimensions: { ...m.dimensions },
          stat: m.stat,
          period: spec.periodSeconds,
        },
      })),
      { id: "e1", expression: spec.expression, label: spec.key, returnData: true },
    ],
  };
}

interface DashboardInputs {
  region: string;
  stack: string;
  apiId: string;
  stageName: string;
  functionName: string;
  accountFunctionName: string;
}

/** Dashboard body (CloudWatch "Dashboard body structure and syntax"): eight graphs. */
export function dashboardBody(d: DashboardInputs) {
  const own = (name: string, dims: [string, string][] = []) => [
    METRICS_NAMESPACE,
    name,
    DIMENSION.stack,
    d.stack,
    ...dims.flat(),
  ];
  const graph = (title: string, metrics: unknown[][], i: number, stat = "Sum") => ({
    type: "metric",
    x: (i % 2) * 12,
    y: Math.floor(i / 2) * 6,
    width: 12,
    height: 6,
    properties: { title, region: d.region, stat, period: 60, view: "timeSeries", metrics },
  });
  return {
    widgets: [
      graph(
        "Logins by outcome",
        LOGIN_OUTCOMES.map((o) => own(METRIC.loginSucceeded, [[DIMENSION.outcome, o]])),
        0,
      ),
      graph(
        "Failed logins by code (and the per-client limit's refusals)",
        [
          ...LOGIN_ERROR_CODES.map((c) => own(METRIC.loginFailed, [[DIMENSION.code, c]])),
          own(METRIC.clientLimited),
        ],
        1,
      ),
      graph(
        "Upstream latency p99 (ms)",
        [own(METRIC.wechatLatency), own(METRIC.cognitoLatency)],
        2,
        "p99",
      ),
      graph(
        "Upstream errors by upstream and class",
        UPSTREAMS.flatMap((u) =>
          UPSTREAM_ERROR_CLASSES.map((c) =>
            own(METRIC.upstreamError, [
              [DIMENSION.upstream, u],
              [DIMENSION.errorClass, c],
            ]),
          ),
        ),
        3,
      ),
      graph(
        "WeChat errors by class",
        WECHAT_ERROR_CLASSES.map((c) => own(METRIC.wechatError, [[DIMENSION.errorClass, c]])),
        4,
      ),
      graph(
        "Login API",
        [
          ["AWS/ApiGateway", "Count", "ApiId", d.apiId, "Stage", d.stageName],
          ["AWS/ApiGateway", "4xx", "ApiId", d.apiId, "Stage", d.stageName],
          ["AWS/ApiGateway", "5xx", "ApiId", d.apiId, "Stage", d.stageName],
          [METRICS_NAMESPACE, API_THROTTLED_METRIC, "ApiId", d.apiId],
        ],
        5,
      ),
      graph(
        "Login function",
        [
          ["AWS/Lambda", "Invocations", "FunctionName", d.functionName],
          ["AWS/Lambda", "Errors", "FunctionName", d.functionName],
          ["AWS/Lambda", "Throttles", "FunctionName", d.functionName],
          ["AWS/Lambda", "Duration", "FunctionName", d.functionName, { stat: "p99" }],
        ],
        6,
      ),
      graph(
        "Account function (DELETE /account)",
        [
          ["AWS/Lambda", "Invocations", "FunctionName", d.accountFunctionName],
          ["AWS/Lambda", "Errors", "FunctionName", d.accountFunctionName],
          ["AWS/Lambda", "Throttles", "FunctionName", d.accountFunctionName],
        ],
        7,
      ),
    ],
  };
}
