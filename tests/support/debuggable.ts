import * as path from "node:path";

/**
 * Pulumi's internal promise wrapper (`@pulumi/pulumi/runtime/debuggable`), with shorter traces.
 *
 * `debuggablePromise` stamps each of the ~4,000 promises of a synthesis with `new Error().stack`,
 * read only by a leaked-promise report. Under jest (`Error.stackTraceLimit` 100) taking those
 * traces was about half of a synthesis's CPU time: V8 summarizes every frame it records, and an
 * optimized frame needs its inlining decoded first. Here a promise's trace keeps its first
 * frames: Pulumi's `debuggablePromise`, this wrapper and the code that made the promise
 * (docs/testing.md, "Keeping the suite fast"). Everything else is Pulumi's own module, whose
 * exports this one carries; with PULUMI_DEBUG_PROMISE_LEAKS set (Pulumi then prints the traces of
 * leaked promises) nothing is changed. Jest maps the module to this file (jest.config.js).
 */
interface Debuggable {
  debuggablePromise(p: Promise<unknown>, ctx: unknown): Promise<unknown>;
}

/** Frames a promise's trace keeps: Pulumi's function, this wrapper, where the promise was made. */
const PROMISE_TRACE_FRAMES = 3;

// The SDK's modules require this one from inside a require cycle (settings -> debuggable -> log
// -> settings), so, as Pulumi's own module does, it fills in the exports object the cycle handed
// out rather than replacing it. The real module by path, which the mapping (names only) does not
// match; jest's own require, so it lives in the test file's registry like the rest of the SDK.
const self = module.exports as Record<string, unknown>;
const dir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS module by path
const real = require(path.join(dir, "runtime", "debuggable.js")) as Debuggable;
Object.defineProperty(self, "__esModule", { value: true });
Object.assign(self, real);

if (!process.env.PULUMI_DEBUG_PROMISE_LEAKS) {
  const full = real.debuggablePromise;
  self.debuggablePromise = function debuggablePromise(p: Promise<unknown>, ctx: unknown) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = PROMISE_TRACE_FRAMES;
    try {
      return full(p, ctx);
    } finally {
      Error.stackTraceLimit = limit;
    }
  };
}
