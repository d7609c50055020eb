/**
 * The function's structured logger: one JSON object per line, in the shape the Powertools Logger
 * wrote before it (`level`, `message`, `timestamp`, `service`, `sampling_rate`, `xray_trace_id`,
 * the per-invocation keys, then the call's fields), at a fraction of its start-up cost
 * (functions/README.md, "Performance"). Levels and variables as Powertools:
 * `POWERTOOLS_LOG_LEVEL`, else `AWS_LAMBDA_LOG_LEVEL`, else INFO; WARN and above go to stderr.
 * Callers log names, codes and hashes only, never secrets or personal data (handler.ts).
 */
import type { LogPort } from "./ports";

const LEVELS = { TRACE: 6, DEBUG: 8, INFO: 12, WARN: 16, ERROR: 20, CRITICAL: 24, SILENT: 28 };
export type LogLevel = keyof typeof LEVELS;
type Emitted = "DEBUG" | "INFO" | "WARN" | "ERROR";

export interface JsonLoggerOptions {
  readonly serviceName: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Line sink (tests); stdout for DEBUG/INFO, stderr for WARN/ERROR by default. */
  readonly write?: (line: string, level: Emitted) => void;
}

export function logLevelOf(env: Readonly<Record<string, string | undefined>>): LogLevel {
  for (const name of ["POWERTOOLS_LOG_LEVEL", "AWS_LAMBDA_LOG_LEVEL"]) {
    const v = env[name]?.trim().toUpperCase();
    if (v && Object.prototype.hasOwnProperty.call(LEVELS, v)) return v as LogLevel;
  }
  return "INFO";
}

export class JsonLogger implements LogPort {
  private keys: Record<string, unknown> = {};
  private readonly threshold: number;
  private readonly env: Readonly<Record<string, string | undefined>>;
  private readonly write: (line: string, level: Emitted) => void;

  constructor(private readonly opts: JsonLoggerOptions) {
    this.env = opts.env ?? process.env;
    this.threshold = LEVELS[logLevelOf(this.env)];
    this.write =
      opts.write ??
      ((line, level) =>
        (level === "WARN" || level === "ERROR" ? process.stderr : process.stdout).write(line));
  }

  /** Keys on every line until `resetKeys` (the invocation's awsRequestId). */
  appendKeys(keys: Record<string, unknown>): void {
    Object.assign(this.keys, keys);
  }

  resetKeys(): void {
    this.keys = {};
  }

  debug(message: string, extra?: Record<string, unknown>): void {
    this.emit("DEBUG", message, extra);
  }
  info(message: string, extra?: Record<string, unknown>): void {
    this.emit("INFO", message, extra);
  }
  warn(message: string, extra?: Record<string, unknown>): void {
    this.emit("WARN", message, extra);
  }
  error(message: string, extra?: Record<string, unknown>): void {
    this.emit("ERROR", message, extra);
  }

  private emit(level: Emitted, message: string, extra: Record<string, unknown> | undefined) {
    if (LEVELS[level] < this.threshold) return;
    // Lambda sets the trace header per invocation; its Root is what Powertools logs.
    const trace = /Root=([^;]+)/.exec(this.env["_X_AMZN_TRACE_ID"] ?? "")?.[1];
    const line = {
      level,
      message,
      timestamp: new Date().toISOString(),
      service: this.opts.serviceName,
      sampling_rate: 0,
      ...(trace ? { xray_trace_id: trace } : {}),
      ...this.keys,
      ...extra,
    };
    let text: string;
    try {
      text = JSON.stringify(line);
    } catch {
      text = JSON.stringify({
        level,
        message,
        service: this.opts.serviceName,
        unserializable: true,
      });
    }
    this.write(`${text}\n`, level);
  }
}
