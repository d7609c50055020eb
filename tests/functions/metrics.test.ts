/**
 * Login metrics: the handler records exactly one outcome per invocation (fake metrics port), the
 * ports' upstream errors and latency, and the EMF writer turns them into valid embedded metric
 * format lines (CloudWatch "Specification: Embedded metric format").
 */
import {
  LOGIN_ERROR_CODES,
  METRIC,
  METRICS_NAMESPACE,
  type LoginErrorCode,
} from "../../core/metrics";
import {
  ConfigError,
  RateLimitedError,
  UpstreamUnavailableError,
} from "../../functions/login/errors";
import { instrumentSecretGetter } from "../../functions/login/instrument";
import { makeEmfMetrics } from "../../functions/login/metrics";
import {
  CLIENT_REFUSED,
  type ClientLimiterPort,
  type MetricsPort,
} from "../../functions/login/ports";
import {
  APP_SECRET,
  CONTEXT,
  SESSION_KEY,
  guestEvent,
  harness,
  loginEvent,
  sleep,
  type Harness,
} from "./support";

const UNION = { openid: "oOpenId_metrics_abcdefghijk", unionid: "oUnion_metrics_ABCDEFGHIJK" };
const GUEST = "us-east-1:9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

/** A MetricsPort that records every call. */
class RecordingMetrics implements MetricsPort {
  readonly calls: unknown[][] = [];
  flushes = 0;
  loginSucceeded = (o: string) => void this.calls.push(["loginSucceeded", o]);
  loginFailed = (c: string) => void this.calls.push(["loginFailed", c]);
  upstreamError = (u: string, c: string) => void this.calls.push(["upstreamError", u, c]);
  wechatError = (c: string) => void this.calls.push(["wechatError", c]);
  clientLimited = () => void this.calls.push(["clientLimited"]);
  latency = (m: string, ms: number) => void this.calls.push(["latency", m, typeof ms]);
  flush = () => void this.flushes++;
  /** Calls other than latency. */
  get counts() {
    return this.calls.filter((c) => c[0] !== "latency");
  }
  outcomes() {
    return this.calls.filter((c) => c[0] === "loginSucceeded" || c[0] === "loginFailed");
  }
}

function measured(
  flow: "enhanced" | "basic" = "enhanced",
): Harness & { metrics: RecordingMetrics } {
  const metrics = new RecordingMetrics();
  return { ...harness(flow, {}, { metrics }), metrics };
}

describe("login outcome metrics (fake port)", () => {
  it("counts a first login as new, with WeChat and Cognito latency, flushed once", async () => {
    const h = measured();
    h.wechat.codes.set("c", UNION);
    expect((await h.handler(loginEvent({ code: "c" }), CONTEXT)).statusCode).toBe(200);
    expect(h.metrics.calls).toEqual([
      ["latency", METRIC.wechatLatency, "number"],
      ["latency", METRIC.cognitoLatency, "number"],
      ["loginSucceeded", "new"],
    ]);
    expect(h.metrics.flushes).toBe(1);
  });

  it("counts a second login as returning", async () => {
    const h = measured();
    h.wechat.codes.set("a", UNION);
    h.wechat.codes.set("b", UNION);
    await h.handler(loginEvent({ code: "a" }), CONTEXT);
    await h.handler(loginEvent({ code: "b" }), CONTEXT);
    expect(h.metrics.outcomes()).toEqual([
      ["loginSucceeded", "new"],
      ["loginSucceeded", "returning"],
    ]);
    expect(h.metrics.flushes).toBe(2);
  });

  it("counts a linked guest identity as guestUpgrade", async () => {
    const h = measured();
    h.cognito.model.createGuest(GUEST);
    h.wechat.codes.set("g", UNION);
    const res = await h.handler(guestEvent("g", GUEST), CONTEXT);
    expect(JSON.parse(res.body)["identityId"]).toBe(GUEST);
    expect(h.metrics.outcomes()).toEqual([["loginSucceeded", "guestUpgrade"]]);
  });

  const failures: [LoginErrorCode, (h: Harness) => unknown, unknown[][]][] = [
    ["INVALID_REQUEST", () => loginEvent("not json"), []],
    ["UNKNOWN_APP", () => loginEvent({ code: "c", appId: "wx9999999999999999" }), []],
    ["UNKNOWN_ROUTE", () => loginEvent({ code: "c" }, { routeKey: "GET /login/wechat" }), []],
    ["INVALID_CODE", () => loginEvent({ code: "unknown" }), [["wechatError", "invalid_code"]]],
    [
      "USER_BLOCKED",
      (h) => (h.wechat.codes.set("x", { errcode: 40226 }), loginEvent({ code: "x" })),
      [["wechatError", "user_blocked"]],
    ],
    [
      "RATE_LIMITED",
      (h) => {
        h.wechat.codes.set("x", UNION);
        h.cognito.failWith = new RateLimitedError(2);
        return loginEvent({ code: "x" });
      },
      [["upstreamError", "cognito-identity", "throttled"]],
    ],
    [
      "UPSTREAM_UNAVAILABLE",
      (h) => (h.wechat.codes.set("x", "http500"), loginEvent({ code: "x" })),
      [
        ["wechatError", "unavailable"],
        ["upstreamError", "wechat", "unavailable"],
      ],
    ],
    [
      "INTERNAL",
      (h) => {
        h.wechat.codes.set("x", UNION);
        h.mapping.failWith = new ConfigError("dynamodb denied access (AccessDeniedException)");
        return loginEvent({ code: "x" });
      },
      [["upstreamError", "dynamodb", "config"]],
    ],
  ];

  it("covers every stable error code", () => {
    expect(failures.map(([code]) => code)).toEqual([...LOGIN_ERROR_CODES]);
  });

  it.each(failures)(
    "counts %s once, with the upstream error that caused it",
    async (code, setup, upstream) => {
      const h = measured();
      const res = await h.handler(setup(h), CONTEXT);
      expect(JSON.parse(res.body).error.code).toBe(code);
      expect(h.metrics.counts).toEqual([...upstream, ["loginFailed", code]]);
      expect(h.metrics.flushes).toBe(1);
    },
  );

  it("counts an unexpected throw as INTERNAL and unexpected", async () => {
    const h = measured();
    h.wechat.codes.set("x", UNION);
    h.cognito.failWith = new TypeError("boom");
    const res = await h.handler(loginEvent({ code: "x" }), CONTEXT);
    expect(res.statusCode).toBe(500);
    expect(h.metrics.counts).toEqual([
      ["upstreamError", "cognito-identity", "unexpected"],
      ["loginFailed", "INTERNAL"],
    ]);
  });

  it("counts a failed AppSecret read for secretsmanager, not for WeChat", async () => {
    const metrics = new RecordingMetrics();
    const failing = instrumentSecretGetter(async () => {
      throw new UpstreamUnavailableError("secretsmanager (ServiceUnavailable)");
    }, metrics);
    const h = harness("enhanced", {}, { metrics });
    const handler = harness("enhanced", {}, { metrics, wechat: h.wechat.client(failing) }).handler;
    h.wechat.codes.set("x", UNION);
    const res = await handler(loginEvent({ code: "x" }), CONTEXT);
    expect(JSON.parse(res.body).error.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(metrics.counts).toEqual([
      ["upstreamError", "secretsmanager", "unavailable"],
      ["loginFailed", "UPSTREAM_UNAVAILABLE"],
    ]);
  });

  it("keeps the unionid migration working: Cognito's merge is measured, not dropped", async () => {
    // Every deployed stack has metrics on (infra/loginApi.ts sets METRICS_STACK).
    const h = measured();
    const openid = "oOpenId_migrating_abcdefghij";
    h.wechat.codes.set("before", { openid });
    const first = await h.handler(loginEvent({ code: "before" }), CONTEXT);
    expect(first.statusCode).toBe(200);
    h.wechat.codes.set("after", { openid, unionid: "oUnion_migrating_ABCDEFGHIJ" });
    const second = await h.handler(loginEvent({ code: "after" }), CONTEXT);
    expect(second.statusCode).toBe(200);
    expect(JSON.parse(second.body)["identityId"]).toBe(JSON.parse(first.body)["identityId"]);
    expect(h.logger.text()).toContain("unionid_migrated");
    // The migrating user is a returning one: their identity (and openid row) existed.
    expect(h.metrics.outcomes()).toEqual([
      ["loginSucceeded", "new"],
      ["loginSucceeded", "returning"],
    ]);
  });

  it("counts an openid-only user signing in as a guest as returning, not new", async () => {
    const h = measured();
    const openid = "oOpenId_guestmigr_abcdefghij";
    h.wechat.codes.set("before", { openid });
    const first = await h.handler(loginEvent({ code: "before" }), CONTEXT);
    h.cognito.model.createGuest(GUEST);
    h.wechat.codes.set("after", { openid, unionid: "oUnion_guestmigr_ABCDEFGHIJ" });
    const second = await h.handler(guestEvent("after", GUEST), CONTEXT);
    expect(JSON.parse(second.body)["identityId"]).toBe(JSON.parse(first.body)["identityId"]);
    expect(h.metrics.outcomes()).toEqual([
      ["loginSucceeded", "new"],
      ["loginSucceeded", "returning"],
    ]);
  });

  it("answers normally when the metrics port throws", async () => {
    const h = harness(
      "enhanced",
      {},
      {
        metrics: {
          loginSucceeded: () => {
            throw new Error("metrics down");
          },
          loginFailed: () => undefined,
          upstreamError: () => undefined,
          wechatError: () => undefined,
          clientLimited: () => undefined,
          latency: () => undefined,
          flush: () => undefined,
        },
      },
    );
    h.wechat.codes.set("c", UNION);
    expect((await h.handler(loginEvent({ code: "c" }), CONTEXT)).statusCode).toBe(200);
  });
});

describe("metrics of the per-client limit", () => {
  /** Admits a client's first login and refuses the others, answering after `latencyMs`. */
  const limiter = (latencyMs: number): ClientLimiterPort => {
    let seen = 0;
    return {
      admit: async (_client, _now, signal) => {
        await sleep(latencyMs, signal);
        seen += 1;
        return seen > 1 ? { admitted: false, retryAfterSeconds: 30 } : { admitted: true };
      },
    };
  };
  const fromIp = (code: string) =>
    loginEvent(
      { code },
      {
        requestContext: { requestId: "req-ip", http: { method: "POST", sourceIp: "203.0.113.7" } },
      },
    );

  it("counts a refused client's aborted WeChat exchange as no WeChat or upstream failure", async () => {
    const metrics = new RecordingMetrics();
    const h = harness(
      "enhanced",
      {},
      { metrics, clientLimit: { limiter: limiter(20), key: "sourceIp" } },
    );
    h.wechat.codes.set("a", UNION);
    h.wechat.codes.set("b", UNION);
    expect((await h.handler(fromIp("a"), CONTEXT)).statusCode).toBe(200);
    metrics.calls.length = 0;
    // The limiter refuses while WeChat is still on the wire: the exchange is aborted.
    h.wechat.latencyMs = 2000;
    expect((await h.handler(fromIp("b"), CONTEXT)).statusCode).toBe(429);
    // Not `wechat-unavailable` (WechatError unavailable), nor a WeChat latency sample; counted
    // apart from other throttling, so login-error-rate can leave it out.
    expect(metrics.calls).toEqual([["clientLimited"], ["loginFailed", "RATE_LIMITED"]]);
  });

  it("counts an AppSecret read the refusal abandoned as no Secrets Manager failure", async () => {
    const metrics = new RecordingMetrics();
    const get = instrumentSecretGetter(async () => {
      throw new UpstreamUnavailableError("secretsmanager (deadline)");
    }, metrics);
    const refused = new AbortController();
    refused.abort(CLIENT_REFUSED);
    await expect(get({ forceFetch: false, signal: refused.signal })).rejects.toThrow();
    expect(metrics.calls).toEqual([]);
    await expect(
      get({ forceFetch: false, signal: new AbortController().signal }),
    ).rejects.toThrow();
    expect(metrics.calls).toEqual([["upstreamError", "secretsmanager", "unavailable"]]);
  });
});

describe("EMF writer", () => {
  const emf = () => {
    const lines: string[] = [];
    const m = makeEmfMetrics({ stack: "dev", write: (l) => lines.push(l), nowMs: () => 1234 });
    return { m, lines, docs: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
  };

  it("writes one line for a login: every metric declared with its own dimension set", () => {
    const { m, lines, docs } = emf();
    m.latency(METRIC.wechatLatency, 12.4);
    m.latency(METRIC.cognitoLatency, 30);
    m.loginSucceeded("new");
    m.flush();
    expect(lines).toHaveLength(1);
    expect(docs()[0]).toEqual({
      _aws: {
        Timestamp: 1234,
        CloudWatchMetrics: [
          {
            Namespace: METRICS_NAMESPACE,
            Dimensions: [["stack"]],
            Metrics: [{ Name: "WechatLatency", Unit: "Milliseconds" }],
          },
          {
            Namespace: METRICS_NAMESPACE,
            Dimensions: [["stack"]],
            Metrics: [{ Name: "CognitoLatency", Unit: "Milliseconds" }],
          },
          {
            Namespace: METRICS_NAMESPACE,
            Dimensions: [["stack", "outcome"]],
            Metrics: [{ Name: "LoginSucceeded", Unit: "Count" }],
          },
        ],
      },
      stack: "dev",
      outcome: "new",
      WechatLatency: [12],
      CognitoLatency: [30],
      LoginSucceeded: 1,
    });
  });

  it("splits data points whose dimension values would collide, and sums counts", () => {
    const { m, docs } = emf();
    m.upstreamError("dynamodb", "unavailable");
    m.upstreamError("cognito-identity", "unavailable");
    m.upstreamError("dynamodb", "unavailable");
    m.wechatError("config");
    m.flush();
    const out = docs();
    expect(out).toHaveLength(3);
    expect(out[0]).toMatchObject({ upstream: "dynamodb", class: "unavailable", UpstreamError: 2 });
    expect(out[1]).toMatchObject({ upstream: "cognito-identity", UpstreamError: 1 });
    // WechatError's class "config" conflicts with the "unavailable" of both lines.
    expect(out[2]).toEqual(expect.objectContaining({ class: "config", WechatError: 1 }));
    expect(out[2]).not.toHaveProperty("UpstreamError");
    m.flush();
    expect(docs()).toHaveLength(3);
  });

  it("never loses a data point: each (metric, dimensions) appears in exactly one line", () => {
    const { m, docs } = emf();
    m.clientLimited();
    m.upstreamError("dynamodb", "unavailable");
    m.upstreamError("sts", "throttled");
    m.wechatError("config");
    m.loginFailed("INTERNAL");
    m.flush();
    const found = docs().flatMap((d) => {
      const directives = (
        d["_aws"] as {
          CloudWatchMetrics: { Metrics: { Name: string }[]; Dimensions: string[][] }[];
        }
      ).CloudWatchMetrics;
      return directives.map((x) => {
        const name = x.Metrics[0]?.Name ?? "";
        const dims = (x.Dimensions[0] ?? []).map((k) => `${k}=${String(d[k])}`).join(",");
        return `${name}{${dims}}=${String(d[name])}`;
      });
    });
    expect(found.sort()).toEqual(
      [
        "UpstreamError{stack=dev,upstream=dynamodb,class=unavailable}=1",
        "UpstreamError{stack=dev,upstream=sts,class=throttled}=1",
        "WechatError{stack=dev,class=config}=1",
        "LoginFailed{stack=dev,code=INTERNAL}=1",
        "ClientLimited{stack=dev}=1",
      ].sort(),
    );
  });

  it("writes nothing without data points and never throws from a failing writer", () => {
    const m = makeEmfMetrics({
      stack: "dev",
      write: () => {
        throw new Error("EPIPE");
      },
    });
    expect(() => m.flush()).not.toThrow();
    m.loginFailed("INTERNAL");
    expect(() => m.flush()).not.toThrow();
  });

  it("holds no secret, code or user id: only the vocabulary's names and values", () => {
    const { m, lines } = emf();
    m.loginSucceeded("guestUpgrade");
    m.flush();
    for (const text of lines) {
      for (const s of [APP_SECRET, SESSION_KEY, UNION.openid, UNION.unionid]) {
        expect(text).not.toContain(s);
      }
    }
  });
});
