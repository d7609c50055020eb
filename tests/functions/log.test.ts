/** The function's JSON logger (functions/login/log.ts): Powertools' line shape and levels. */
import { JsonLogger, logLevelOf } from "../../functions/login/log";

function capture(env: Record<string, string | undefined> = {}) {
  const lines: { level: string; json: Record<string, unknown>; text: string }[] = [];
  const logger = new JsonLogger({
    serviceName: "wechat-login",
    env,
    write: (text, level) => lines.push({ level, json: JSON.parse(text), text }),
  });
  return { logger, lines };
}

describe("JsonLogger", () => {
  it("writes one JSON line per call in the Powertools shape, keys before the call's fields", () => {
    const { logger, lines } = capture({
      _X_AMZN_TRACE_ID:
        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    });
    logger.appendKeys({ awsRequestId: "r-1" });
    logger.info("login_succeeded", { user: "0123456789ab", newUser: false });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.text.endsWith("}\n")).toBe(true);
    expect(Object.keys(lines[0]?.json ?? {})).toEqual([
      "level",
      "message",
      "timestamp",
      "service",
      "sampling_rate",
      "xray_trace_id",
      "awsRequestId",
      "user",
      "newUser",
    ]);
    expect(lines[0]?.json).toMatchObject({
      level: "INFO",
      message: "login_succeeded",
      service: "wechat-login",
      xray_trace_id: "1-5759e988-bd862e3fe1be46a994272793",
      awsRequestId: "r-1",
    });
    expect(new Date(String(lines[0]?.json["timestamp"])).toISOString()).toBe(
      lines[0]?.json["timestamp"],
    );
  });

  it("drops the invocation keys on reset", () => {
    const { logger, lines } = capture();
    logger.appendKeys({ awsRequestId: "r-1" });
    logger.resetKeys();
    logger.warn("upstream_unavailable", { upstream: "wechat timeout" });
    expect(lines[0]?.json).not.toHaveProperty("awsRequestId");
    expect(lines[0]?.json).not.toHaveProperty("xray_trace_id");
    expect(lines[0]?.level).toBe("WARN");
  });

  it.each([
    [{}, "INFO", ["INFO", "WARN", "ERROR"]],
    [{ POWERTOOLS_LOG_LEVEL: "debug" }, "DEBUG", ["DEBUG", "INFO", "WARN", "ERROR"]],
    [{ AWS_LAMBDA_LOG_LEVEL: "WARN" }, "WARN", ["WARN", "ERROR"]],
    [{ POWERTOOLS_LOG_LEVEL: "ERROR", AWS_LAMBDA_LOG_LEVEL: "DEBUG" }, "ERROR", ["ERROR"]],
    [{ POWERTOOLS_LOG_LEVEL: "SILENT" }, "SILENT", []],
    [{ POWERTOOLS_LOG_LEVEL: "loud" }, "INFO", ["INFO", "WARN", "ERROR"]],
  ])("with %j logs at %s", (env, level, emitted) => {
    expect(logLevelOf(env)).toBe(level);
    const { logger, lines } = capture(env);
    logger.debug("d");
    logger.info("i");
    logger.warn("w");
    logger.error("e");
    expect(lines.map((l) => l.json["level"])).toEqual(emitted);
  });

  it("never throws on a field JSON cannot write", () => {
    const { logger, lines } = capture();
    const cyclic: Record<string, unknown> = {};
    cyclic["self"] = cyclic;
    expect(() => logger.error("unexpected_error", { cyclic })).not.toThrow();
    expect(lines[0]?.json).toMatchObject({ level: "ERROR", unserializable: true });
  });
});
