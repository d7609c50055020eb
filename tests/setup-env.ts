// The AWS SDK warns once per process that its 2027 releases need Node 22; the deployed function
// runs on nodejs22.x, and the warning is only noise in test output on Node 20 machines.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

// Pulumi records where each resource was declared by capturing a full-length stack trace
// (`Resource.callsites`, Error.stackTraceLimit = Infinity). Under jest every such trace is
// source-mapped, which made each stack synthesis cost ~0.6 s. Those positions only feed engine
// diagnostics, which mocks never show, so their traces are formatted plainly; every other stack
// trace keeps jest's source-mapped formatting.
const mapped = Error.prepareStackTrace;
Error.prepareStackTrace = (error, frames) => {
  const fromPulumi = frames.some(
    (f) => f.getFunctionName() === "callsites" && f.getTypeName() === "Function",
  );
  if (fromPulumi || !mapped)
    return `${String(error)}\n${frames.map((f) => `    at ${String(f)}`).join("\n")}`;
  return mapped(error, frames);
};
