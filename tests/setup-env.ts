import { AssertionError } from "node:assert";

// The AWS SDK warns once per process that its 2027 releases need Node 22; the deployed function
// runs on nodejs22.x, and the warning is only noise in test output on Node 20 machines.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

// Two kinds of stack trace Pulumi takes by the thousand during a synthesis, which under jest
// (Error.stackTraceLimit = 100, source-mapped formatting) dominated its CPU time
// (docs/testing.md, "Keeping the suite fast"):
// - `Resource.callsites` records where each resource was declared. Those positions only feed
//   engine diagnostics, which mocks never show, so they are formatted plainly.
// - `debuggablePromise` stamps every internal promise with a trace, read only if Pulumi reports
//   the promise as leaked. It is formatted (plainly) when read, not when taken.
// Every other trace is formatted as without this hook: by the host realm's Error.prepareStackTrace
// (jest's source-map support, so failures point at .ts lines), which Node consults for a test's
// errors when the test realm has none. Node's AssertionError extends the host realm's Error.
const host = Object.getPrototypeOf(AssertionError) as ErrorConstructor;
const plain = (error: Error, frames: NodeJS.CallSite[]): string =>
  `${String(error)}\n${frames.map((f) => `    at ${String(f)}`).join("\n")}`;
const takenBy = (frame: NodeJS.CallSite | undefined, fn: string, file: string): boolean =>
  frame?.getFunctionName() === fn && (frame.getFileName() ?? "").endsWith(file);

Error.prepareStackTrace = (error, frames) => {
  const top = frames[0];
  if (takenBy(top, "debuggablePromise", "/@pulumi/pulumi/runtime/debuggable.js")) {
    // Pulumi only interpolates it (`${p._debugStackTrace}`), so an object that formats itself
    // on toString reads the same.
    let text: string | undefined;
    return { toString: () => (text ??= plain(error, frames)) };
  }
  if (takenBy(top, "callsites", "/@pulumi/pulumi/resource.js")) return plain(error, frames);
  const mapped = host.prepareStackTrace;
  return mapped && mapped !== Error.prepareStackTrace
    ? mapped(error, frames)
    : plain(error, frames);
};
