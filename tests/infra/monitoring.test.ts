/**
 * Alarms, dashboard and notifications of both stacks: each alarm watches a metric the function
 * emits (names from core/metrics.ts) or one AWS publishes, with the threshold it documents.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import {
  CALLER_FAULT_CODES,
  DIMENSION,
  LOGIN_ERROR_CODES,
  LOGIN_OUTCOMES,
  METRIC,
  METRICS_NAMESPACE,
  UPSTREAMS,
  UPSTREAM_ERROR_CLASSES,
  WECHAT_ERROR_CLASSES,
} from "../../core/metrics";
import { COGNITO_RATE_QUOTAS } from "../../core/quotas";
import { API_THROTTLED_METRIC, type AlarmSpec } from "../../infra/alarms";
import { sampleAlarmSpecs } from "../support/alarms";
import { synthesize, type PlanResource, type Synthesis } from "../../scripts/synth";
import { STACKS, committed, ofType, one, strings } from "../support/stacks";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const API = "aws:apigatewayv2/api:Api";
const FUNCTION = "aws:lambda/function:Function";

interface Query {
  id: string;
  expression?: string;
  returnData?: boolean;
  metric?: {
    namespace: string;
    metricName: string;
    dimensions: Record<string, string>;
    stat: string;
    period: number;
  };
}

const alarms = (synth: Synthesis) => ofType(synth, ALARM);
const alarm = (synth: Synthesis, key: string): PlanResource => {
  const found = alarms(synth).find(
    (a) => a.inputs["name"] === `cognito-devauth-${synth.stack}-${key}`,
  );
  if (!found) throw new Error(`${synth.stack}: no alarm ${key}`);
  return found;
};
const queries = (a: PlanResource) => (a.inputs["metricQueries"] ?? []) as Query[];

/** A metric's identity in CloudWatch: namespace, name and the exact dimension set. */
const metricId = (m: {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
}) =>
  `${m.namespace}/${m.metricName}{${Object.entries(m.dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(",")}}`;

/** Every metric an alarm reads: its own, or each of its metric math queries'. */
function metricsOf(a: PlanResource) {
  const i = a.inputs as Record<string, unknown>;
  if (i["metricName"] !== undefined) {
    return [
      {
        namespace: String(i["namespace"]),
        metricName: String(i["metricName"]),
        dimensions: i["dimensions"] as Record<string, string>,
      },
    ];
  }
  return queries(a).flatMap((q) => (q.metric ? [q.metric] : []));
}

describe.each(STACKS)("monitoring of $stack", ({ stack, region, partition }) => {
  let synth: Synthesis;
  let apiId: string;
  let functionName: string;
  beforeAll(async () => {
    synth = await committed(stack);
    apiId = String(ofType(synth, "aws:apigatewayv2/stage:Stage")[0]?.inputs["apiId"]);
    expect(ofType(synth, API)).toHaveLength(1);
    // The function-* alarms watch the login function; account-errors the account function.
    functionName = String(one(synth, FUNCTION, "wechat-login-function").inputs["name"]);
  });

  it("creates one alarm per spec, named after the stack, each citing its runbook section", () => {
    const keys = sampleAlarmSpecs(stack).map((s) => s.key);
    expect(
      alarms(synth)
        .map((a) => a.inputs["name"])
        .sort(),
    ).toEqual(keys.map((k) => `cognito-devauth-${stack}-${k}`).sort());
    for (const a of alarms(synth)) {
      const key = String(a.inputs["name"]).replace(`cognito-devauth-${stack}-`, "");
      expect(a.inputs["alarmDescription"]).toContain(`docs/runbook.md, section ${key}.`);
      expect(a.inputs).toMatchObject({
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
        alarmActions: [],
        okActions: [],
      });
    }
  });

  it("reads only metrics the function emits, in its vocabulary, with the stack dimension", () => {
    const allowed: Record<string, Record<string, readonly string[]>> = {
      [METRIC.loginSucceeded]: { [DIMENSION.outcome]: LOGIN_OUTCOMES },
      [METRIC.loginFailed]: { [DIMENSION.code]: LOGIN_ERROR_CODES },
      [METRIC.upstreamError]: {
        [DIMENSION.upstream]: UPSTREAMS,
        [DIMENSION.errorClass]: UPSTREAM_ERROR_CLASSES,
      },
      [METRIC.wechatError]: { [DIMENSION.errorClass]: WECHAT_ERROR_CLASSES },
      [METRIC.cognitoLatency]: {},
      [METRIC.clientLimited]: {},
    };
    const own = alarms(synth)
      .flatMap(metricsOf)
      .filter((m) => m.namespace === METRICS_NAMESPACE && m.metricName !== API_THROTTLED_METRIC);
    expect(own.length).toBeGreaterThan(15);
    for (const m of own) {
      const dims = allowed[m.metricName];
      expect(dims).toBeDefined();
      const { [DIMENSION.stack]: stackValue, ...rest } = m.dimensions;
      expect(stackValue).toBe(stack);
      expect(Object.keys(rest).sort()).toEqual(Object.keys(dims ?? {}).sort());
      for (const [k, v] of Object.entries(rest)) expect(dims?.[k]).toContain(v);
    }
  });

  it("alarms on the login error rate with metric math, caller faults excluded", () => {
    const a = alarm(synth, "login-error-rate");
    expect(a.inputs).toMatchObject({ threshold: 5, evaluationPeriods: 1 });
    const qs = queries(a);
    const codes = qs.flatMap((q) =>
      q.metric?.metricName === METRIC.loginFailed ? [q.metric.dimensions[DIMENSION.code]] : [],
    );
    expect(codes.sort()).toEqual(
      LOGIN_ERROR_CODES.filter((c) => !CALLER_FAULT_CODES.includes(c)).sort(),
    );
    const outcomes = qs.flatMap((q) =>
      q.metric?.metricName === METRIC.loginSucceeded
        ? [q.metric.dimensions[DIMENSION.outcome]]
        : [],
    );
    expect(outcomes.sort()).toEqual([...LOGIN_OUTCOMES].sort());
    // The per-client limit's refusals, taken out of RATE_LIMITED.
    expect(qs.filter((q) => q.metric?.metricName === METRIC.clientLimited)).toHaveLength(1);
    expect(qs.every((q) => q.metric === undefined || q.metric.period === 300)).toBe(true);
    const result = qs.filter((q) => q.returnData);
    expect(result).toHaveLength(1);
    expect(result[0]?.expression).toMatch(/^IF\(.* >= 20, 100 \* /);
    // Every metric query is used by the expression.
    for (const q of qs.filter((x) => x.metric)) expect(result[0]?.expression).toContain(q.id);
  });

  it("alarms on the HTTP API's 5xx of our stage and on its throttled requests", () => {
    expect(alarm(synth, "api-5xx").inputs).toMatchObject({
      namespace: "AWS/ApiGateway",
      metricName: "5xx",
      dimensions: { ApiId: apiId, Stage: "$default" },
      statistic: "Sum",
      period: 300,
      threshold: 5,
    });
    expect(alarm(synth, "api-throttled").inputs).toMatchObject({
      namespace: METRICS_NAMESPACE,
      metricName: API_THROTTLED_METRIC,
      dimensions: { ApiId: apiId },
    });
    const [filter] = ofType(synth, "aws:cloudwatch/logMetricFilter:LogMetricFilter");
    expect(filter?.inputs).toMatchObject({
      metricTransformation: {
        namespace: METRICS_NAMESPACE,
        name: API_THROTTLED_METRIC,
        dimensions: { ApiId: "$.apiId" },
      },
    });
    // The filter reads the stage's access log, whose lines carry the apiId it selects on.
    const [stage] = ofType(synth, "aws:apigatewayv2/stage:Stage");
    const settings = stage?.inputs["accessLogSettings"] as {
      destinationArn: string;
      format: string;
    };
    expect(
      settings.destinationArn.endsWith(`:log-group:${String(filter?.inputs["logGroupName"])}`),
    ).toBe(true);
    const format = JSON.parse(settings.format) as Record<string, string>;
    expect(format).toMatchObject({
      apiId: "$context.apiId",
      status: "$context.status",
      // What the function answered ("-" when no integration ran, as for a throttled request).
      integrationStatus: "$context.integration.status",
    });
    // Access-log lines as the stage writes them (unset variables are "-"): the filter counts the
    // stage's own 429s, not the function's RATE_LIMITED answers (per-client limit, WeChat 45011,
    // Cognito throttling), which have their own alarms.
    const line = (status: string, integrationStatus: string) =>
      Object.fromEntries(
        Object.keys(format).map((k) => [
          k,
          k === "status" ? status : k === "integrationStatus" ? integrationStatus : "-",
        ]),
      );
    const pattern = String(filter?.inputs["pattern"]);
    expect(matchesJsonFilter(pattern, line("429", "-"))).toBe(true);
    expect(matchesJsonFilter(pattern, line("429", "429"))).toBe(false);
    expect(matchesJsonFilter(pattern, line("200", "200"))).toBe(false);
    expect(matchesJsonFilter(pattern, line("503", "503"))).toBe(false);
  });

  it("alarms on Cognito throttling and on AWS upstreams refusing our configuration", () => {
    expect(alarm(synth, "cognito-throttled").inputs).toMatchObject({
      namespace: METRICS_NAMESPACE,
      metricName: METRIC.upstreamError,
      dimensions: { stack, upstream: "cognito-identity", class: "throttled" },
      threshold: 1,
    });
    const config = metricsOf(alarm(synth, "upstream-config"));
    expect(config.map((m) => m.dimensions[DIMENSION.upstream]).sort()).toEqual(
      ["cognito-identity", "dynamodb", "secretsmanager", "sts"].sort(),
    );
    expect(config.every((m) => m.dimensions[DIMENSION.errorClass] === "config")).toBe(true);
  });

  it.each([
    ["wechat-unavailable", "unavailable", 5],
    ["wechat-config", "config", 1],
    ["wechat-throttled", "throttled", 10],
    ["wechat-unexpected", "unexpected", 1],
  ])("alarms on WeChat errors by class: %s", (key, errorClass, threshold) => {
    expect(alarm(synth, key).inputs).toMatchObject({
      namespace: METRICS_NAMESPACE,
      metricName: METRIC.wechatError,
      dimensions: { stack, class: errorClass },
      threshold,
    });
  });

  it("alarms on the function's errors, throttles and p99 duration at 80 % of its timeout", () => {
    const timeout = Number(one(synth, FUNCTION, "wechat-login-function").inputs["timeout"]);
    for (const [key, metricName] of [
      ["function-errors", "Errors"],
      ["function-throttles", "Throttles"],
    ] as const) {
      expect(alarm(synth, key).inputs).toMatchObject({
        namespace: "AWS/Lambda",
        metricName,
        dimensions: { FunctionName: functionName },
        statistic: "Sum",
        threshold: 1,
      });
    }
    const duration = alarm(synth, "function-duration").inputs;
    expect(duration).toMatchObject({
      namespace: "AWS/Lambda",
      metricName: "Duration",
      dimensions: { FunctionName: functionName },
      extendedStatistic: "p99",
      threshold: timeout * 1000 * 0.8,
    });
    expect(duration["statistic"]).toBeUndefined();
  });

  it("alarms at the account function's first error or throttle: a deletion may be unfinished", () => {
    const accountFunction = String(one(synth, FUNCTION, "account-function").inputs["name"]);
    expect(accountFunction).not.toBe(functionName);
    const a = alarm(synth, "account-errors");
    expect(a.inputs).toMatchObject({ threshold: 1, evaluationPeriods: 1, datapointsToAlarm: 1 });
    const qs = queries(a);
    expect(qs.filter((q) => q.metric).map((q) => q.metric)).toEqual(
      ["Errors", "Throttles"].map((metricName) => ({
        namespace: "AWS/Lambda",
        metricName,
        dimensions: { FunctionName: accountFunction },
        stat: "Sum",
        period: 300,
      })),
    );
    // Either one alone reaches the threshold.
    expect(qs.find((q) => q.returnData)?.expression).toBe("FILL(m0, 0) + FILL(m1, 0)");
  });

  it("alarms when GetOpenIdTokenForDeveloperIdentity calls reach 80 % of its quota per second", () => {
    const a = alarm(synth, "cognito-quota");
    expect(a.inputs).toMatchObject({
      threshold: COGNITO_RATE_QUOTAS.GetOpenIdTokenForDeveloperIdentity * 0.8,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });
    // The calls themselves (one CognitoLatency sample each), not the logins: a login refused
    // before Cognito (bad code, bad request, WeChat down) spends none of the quota.
    const qs = queries(a);
    expect(qs.filter((q) => q.metric).map((q) => q.metric)).toEqual([
      {
        namespace: METRICS_NAMESPACE,
        metricName: METRIC.cognitoLatency,
        dimensions: { stack },
        stat: "SampleCount",
        period: 60,
      },
    ]);
    expect(qs.find((q) => q.returnData)?.expression).toMatch(/\/ 60$/);
  });

  it("keeps every metric math alarm within CloudWatch's 10 metrics per alarm", () => {
    // "Alarms based on metric math expressions can reference a maximum of 10 metrics" (a hard
    // limit: PutMetricAlarm refuses more; docs/aws-china.md, "CloudWatch").
    const math = alarms(synth).filter((a) => a.inputs["metricQueries"] !== undefined);
    expect(math.length).toBeGreaterThan(0);
    for (const a of math) {
      const n = queries(a).filter((q) => q.metric).length;
      expect({ alarm: a.inputs["name"], metrics: n <= 10 }).toEqual({
        alarm: a.inputs["name"],
        metrics: true,
      });
    }
  });

  it("draws a dashboard of the login outcomes, upstream latency, API and function in its region", () => {
    const [dash] = ofType(synth, "aws:cloudwatch/dashboard:Dashboard");
    expect(dash?.inputs["dashboardName"]).toBe(`cognito-devauth-${stack}-login`);
    const body = JSON.parse(String(dash?.inputs["dashboardBody"])) as {
      widgets: { properties: { region: string; metrics: unknown[][] } }[];
    };
    expect(body.widgets).toHaveLength(8);
    for (const w of body.widgets) expect(w.properties.region).toBe(region);
    const names = body.widgets.flatMap((w) => w.properties.metrics.map((m) => m[1]));
    for (const n of [...Object.values(METRIC), "5xx", "Errors", "Duration", API_THROTTLED_METRIC]) {
      expect(names).toContain(n);
    }
    // Every metric an alarm reads is graphed, with the same dimensions: the operator sent to the
    // dashboard by a runbook section finds what set the alarm off.
    const graphed = new Set(
      body.widgets.flatMap((w) =>
        w.properties.metrics.map((m) => {
          const [namespace, metricName, ...rest] = m.filter((x) => typeof x === "string");
          const dims: Record<string, string> = {};
          for (let i = 0; i + 1 < rest.length; i += 2) dims[String(rest[i])] = String(rest[i + 1]);
          return metricId({
            namespace: String(namespace),
            metricName: String(metricName),
            dimensions: dims,
          });
        }),
      ),
    );
    const read = alarms(synth).flatMap(metricsOf);
    expect(read.length).toBeGreaterThan(20);
    for (const m of read) expect([...graphed]).toContain(metricId(m));
  });

  it("spells every ARN of its partition", () => {
    const mine = synth.resources.filter((r) => r.urn.includes("Monitoring"));
    expect(mine.length).toBeGreaterThan(10);
    for (const s of mine.flatMap((r) => strings(r.inputs))) {
      if (s.startsWith("arn:")) expect(s.startsWith(`arn:${partition}:`)).toBe(true);
    }
  });
});

describe.each(STACKS)("alarm notifications in $stack", ({ stack, region, partition }) => {
  it("subscribes a configured email to a topic of the stack, which every alarm notifies", async () => {
    const synth = await synthesize(stack, { alarms: JSON.stringify({ email: "ops@example.com" }) });
    const [topic] = ofType(synth, "aws:sns/topic:Topic");
    expect(topic?.inputs["name"]).toBe(`cognito-devauth-${stack}-alarms`);
    const topicArn = String(topic?.state?.["arn"]);
    expect(topicArn.startsWith(`arn:${partition}:sns:${region}:`)).toBe(true);
    expect(ofType(synth, "aws:sns/topicSubscription:TopicSubscription")[0]?.inputs).toMatchObject({
      protocol: "email",
      endpoint: "ops@example.com",
      topic: topicArn,
    });
    for (const a of alarms(synth)) {
      expect(a.inputs).toMatchObject({ alarmActions: [topicArn], okActions: [topicArn] });
    }
  });

  it("notifies an existing topic of the stack's partition and region, creating none", async () => {
    const topicArn = `arn:${partition}:sns:${region}:123456789012:ops-alarms`;
    const synth = await synthesize(stack, { alarms: JSON.stringify({ topicArn }) });
    expect(ofType(synth, "aws:sns/topic:Topic")).toEqual([]);
    for (const a of alarms(synth)) expect(a.inputs["alarmActions"]).toEqual([topicArn]);
  });

  it("refuses a topic of another region before touching anything", async () => {
    const other = partition === "aws" ? "eu-west-1" : "cn-northwest-1";
    const topicArn = `arn:${partition}:sns:${other}:123456789012:ops-alarms`;
    await expect(synthesize(stack, { alarms: JSON.stringify({ topicArn }) })).rejects.toThrow(
      /alarms\.topicArn: the topic is in .* but the stack's alarms are in/,
    );
  });
});

describe("the runbook", () => {
  const text = readFileSync(path.join(__dirname, "../../docs/runbook.md"), "utf8");
  it.each(STACKS)("has a section for every alarm of $stack", async ({ stack }) => {
    const synth = await committed(stack);
    const keys = alarms(synth).map((a) =>
      String(a.inputs["name"]).replace(`cognito-devauth-${stack}-`, ""),
    );
    expect(keys.length).toBeGreaterThan(10);
    for (const key of keys) expect(text).toMatch(new RegExp(`^### \`${key}\`$`, "m"));
  });

  it("says, for every alarm, what it means and the first three things to check", () => {
    const sections = text.split(/^### /m).slice(1);
    const keys = sampleAlarmSpecs().map((s) => s.key);
    for (const key of keys) {
      const section = sections.find((x) => x.startsWith(`\`${key}\``)) ?? "";
      const [meaning = "", ...rest] = section.split("\n\n").slice(1);
      expect({ key, meaning: meaning.length > 40 }).toEqual({ key, meaning: true });
      const steps = rest.join("\n\n").match(/^\d\. /gm) ?? [];
      expect({ key, steps }).toEqual({ key, steps: ["1. ", "2. ", "3. "] });
    }
  });
});

/**
 * A CloudWatch Logs JSON filter pattern of `($.field = "v")` / `($.field != "v")` clauses joined
 * by `&&` (CloudWatch Logs "Using filter patterns to match terms in JSON log events"), applied
 * to one JSON log event.
 */
function matchesJsonFilter(pattern: string, event: Record<string, string>): boolean {
  const body = /^\{ (.*) \}$/.exec(pattern)?.[1];
  if (body === undefined) throw new Error(`not a JSON filter pattern: ${pattern}`);
  return body.split(" && ").every((term) => {
    const m = /^\(\$\.(\w+) (=|!=) "([^"]*)"\)$/.exec(term);
    if (!m) throw new Error(`unsupported term: ${term}`);
    const [, field = "", op, value] = m;
    return op === "=" ? event[field] === value : event[field] !== value;
  });
}

/**
 * The metric math of the expression alarms, evaluated on sample 5-minute sums: FILL(m, 0) is the
 * value (0 when missing), IF(c, a, b) is c ? a : b. Enough of CloudWatch's semantics for these.
 */
function evaluate(spec: AlarmSpec, values: Record<string, number>): number {
  if (spec.kind !== "expression") throw new Error(`${spec.key} is not metric math`);
  const ids = spec.metrics.map((m, i) => [`m${i}`, values[refOf(m)] ?? 0] as const);
  let js = spec.expression.replace(/FILL\((m\d+), 0\)/g, (_, id: string) =>
    String(ids.find(([x]) => x === id)?.[1] ?? Number.NaN),
  );
  js = js.replace(/^IF\((.*), (100 \* .*), 0\)$/, "(($1) ? ($2) : 0)");
  expect(js).toMatch(/^[\d\s+\-*/().>=?:]+$/);
  return Number(new Function(`return ${js};`)());
}

const refOf = (m: { metricName: string; dimensions: Readonly<Record<string, string>> }) =>
  `${m.metricName}:${Object.entries(m.dimensions)
    .filter(([k]) => k !== DIMENSION.stack)
    .map(([, v]) => v)
    .join(",")}`;

describe("the expression alarms fire on the failures they name", () => {
  const specs = sampleAlarmSpecs();
  const spec = (key: string) => {
    const s = specs.find((x) => x.key === key);
    if (!s) throw new Error(key);
    return s;
  };
  const fires = (key: string, values: Record<string, number>) =>
    evaluate(spec(key), values) >= spec(key).threshold;

  it("login-error-rate: a WeChat outage fires, bad codes and a quiet night do not", () => {
    const ok = { "LoginSucceeded:returning": 90 };
    expect(fires("login-error-rate", { ...ok, "LoginFailed:UPSTREAM_UNAVAILABLE": 10 })).toBe(true);
    expect(fires("login-error-rate", { ...ok, "LoginFailed:INTERNAL": 5 })).toBe(true);
    expect(fires("login-error-rate", { ...ok, "LoginFailed:UPSTREAM_UNAVAILABLE": 2 })).toBe(false);
    expect(
      fires("login-error-rate", {
        ...ok,
        "LoginFailed:INVALID_CODE": 500,
        "LoginFailed:INVALID_REQUEST": 500,
      }),
    ).toBe(false);
    // An abusive client refused by the per-client limit (429 RATE_LIMITED, ClientLimited): the
    // limit working, not users failing. Throttling by Cognito or WeChat still counts.
    expect(
      fires("login-error-rate", {
        ...ok,
        "LoginFailed:RATE_LIMITED": 400,
        "ClientLimited:": 400,
      }),
    ).toBe(false);
    expect(
      fires("login-error-rate", {
        ...ok,
        "LoginFailed:RATE_LIMITED": 410,
        "ClientLimited:": 400,
      }),
    ).toBe(true);
    // 3 failures of 5 logins: below the minimum volume, not judged.
    expect(fires("login-error-rate", { "LoginSucceeded:new": 2, "LoginFailed:INTERNAL": 3 })).toBe(
      false,
    );
    expect(fires("login-error-rate", {})).toBe(false);
  });

  it("cognito-quota: 40 Cognito calls/s fires, 30/s does not", () => {
    expect(evaluate(spec("cognito-quota"), { "CognitoLatency:": 2400 })).toBe(40);
    expect(fires("cognito-quota", { "CognitoLatency:": 2400 })).toBe(true);
    expect(fires("cognito-quota", { "CognitoLatency:": 1800 })).toBe(false);
  });

  it("wechat-invalid-codes: every code refused (a mismatched AppID) fires; the usual few do not", () => {
    // WeChat answers 40029 to every code of an app whose AppID is not the stack's: all logins
    // fail as the caller's fault (401 INVALID_CODE), which login-error-rate leaves out.
    expect(fires("wechat-invalid-codes", { "WechatError:invalid_code": 30 })).toBe(true);
    expect(
      fires("wechat-invalid-codes", {
        "LoginSucceeded:returning": 40,
        "WechatError:invalid_code": 60,
      }),
    ).toBe(true);
    expect(
      fires("wechat-invalid-codes", {
        "LoginSucceeded:returning": 95,
        "WechatError:invalid_code": 5,
      }),
    ).toBe(false);
    expect(fires("wechat-invalid-codes", { "WechatError:invalid_code": 10 })).toBe(false);
    expect(fires("wechat-invalid-codes", {})).toBe(false);
  });

  it("upstream-config: one AccessDenied from any AWS upstream fires", () => {
    expect(fires("upstream-config", { "UpstreamError:sts,config": 1 })).toBe(true);
    expect(fires("upstream-config", { "UpstreamError:dynamodb,unavailable": 9 })).toBe(false);
  });
});
