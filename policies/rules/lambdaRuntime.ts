/**
 * lambda-runtime-supported: Lambda functions use a runtime AWS still supports.
 *
 * Why: deprecated runtimes get no security patches, and after the block dates Lambda refuses to
 * create (then update) functions on them (AWS Lambda Developer Guide, "Lambda runtimes" ->
 * "Runtime deprecation policy"; docs/aws-china.md, "Lambda": nodejs20.x creation blocked since 2026-08-31).
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES } from "./types";

/**
 * The one table of deprecated runtimes. Families with numeric versions are cut off at a version:
 * that version and everything older is deprecated (catches odd versions such as nodejs19.x that
 * were never Lambda runtimes). Other identifiers are listed one by one.
 */
export const DEPRECATED_RUNTIMES = {
  /** nodejsN.x with N <= this. nodejs20.x: deprecated 2026-04-30, creation blocked 2026-08-31. */
  nodejsMaxDeprecatedMajor: 20,
  /** python3.N with N <= this. python3.9: deprecated 2025-12-15. All python2.x are deprecated. */
  python3MaxDeprecatedMinor: 9,
  /** Listed individually (AWS "Deprecated runtimes" table). */
  named: new Set([
    "nodejs", // Node.js 0.10
    "nodejs4.3",
    "nodejs4.3-edge",
    "nodejs6.10",
    "nodejs8.10",
    "python2.7",
    "java8", // Amazon Linux 1
    "dotnetcore1.0",
    "dotnetcore2.0",
    "dotnetcore2.1",
    "dotnetcore3.1",
    "dotnet5.0",
    "dotnet6",
    "dotnet7",
    "ruby2.5",
    "ruby2.7",
    "go1.x", // use provided.al2023
    "provided", // Amazon Linux 1 custom runtime; use provided.al2023
  ]) as ReadonlySet<string>,
};

/** Why `runtime` is deprecated, or undefined when it is not in the table. */
export function deprecatedRuntimeReason(runtime: string): string | undefined {
  if (DEPRECATED_RUNTIMES.named.has(runtime)) return "is deprecated";
  const node = /^nodejs(\d+)\.x$/.exec(runtime);
  if (node && Number(node[1]) <= DEPRECATED_RUNTIMES.nodejsMaxDeprecatedMajor) {
    return "is deprecated (Node.js 20 and older)";
  }
  const python = /^python(\d+)\.(\d+)$/.exec(runtime);
  if (python) {
    const major = Number(python[1]);
    const minor = Number(python[2]);
    if (major < 3 || (major === 3 && minor <= DEPRECATED_RUNTIMES.python3MaxDeprecatedMinor)) {
      return "is deprecated (Python 3.9 and older)";
    }
  }
  return undefined;
}

export const lambdaRuntimeSupported: ResourceValidationPolicy = {
  name: "lambda-runtime-supported",
  description: "Lambda functions must not use a deprecated runtime (e.g. nodejs20.x or older).",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.function) return;
    const runtime = args.props["runtime"];
    if (typeof runtime !== "string") return; // container images have no runtime
    const reason = deprecatedRuntimeReason(runtime);
    if (reason) {
      reportViolation(
        `Lambda function '${args.name}' uses runtime ${runtime}, which ${reason}: Lambda blocks ` +
          `creating and then updating functions on deprecated runtimes. Use nodejs22.x or nodejs24.x.`,
      );
    }
  },
};
