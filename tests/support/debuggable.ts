import * as path from "node:path";

/**
 * Pulumi's internal promise wrapper (`@pulumi/pulumi/runtime/debuggable`), with shorter traces.
 *
 * `debuggablePromise` stamps each of the ~4,000 promises of a synthesis with `new Error().stack`,
 * read only by a leaked-promise report. Under jest (`Error.stackTraceLimit` 100) taking those
 * traces was about half of a synthesis's CPU time: V8 summarizes every frame it records, and an
 * optimized frame needs its inlining decoded first. Here a promise's trace keeps its first
 * frames: Pulumi's `debuggablePromise`, this wrapper and the code that made the promise
 * (docs/testing.md, "Keeping the suite fast"). Everything else is Pulumi's own module, which
 * this one forwards to; with PULUMI_DEBUG_PROMISE_LEAKS set (Pulumi then prints the traces of
 * leaked promises) nothing is changed. Jest maps the module to this file (jest.config.js).
 */
interface Debuggable {
  debuggablePromise(p: Promise<unknown>, ctx: unknown): Promise<unknown>;
}

/** Frames a promise's trace keeps: Pulumi's function, this wrapper, where the promise was made. */
const PROMISE_TRACE_FRAMES = 3;

// Loaded on first use: the SDK's modules require this one from inside a require cycle
// (settings -> debuggable -> log -> settings), so it must be complete before it loads the real
// one. By path, which the mapping (names only) does not match; jest's own require, so the real
// module lives in the test file's registry like the rest of the SDK.
let real: Debuggable | undefined;
const load = (): Debuggable => {
  const dir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS module by path
  real ??= require(path.join(dir, "runtime", "debuggable.js")) as Debuggable;
  return real;
};

const shortened: Debuggable["debuggablePromise"] = function debuggablePromise(p, ctx) {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = PROMISE_TRACE_FRAMES;
  try {
    return load().debuggablePromise(p, ctx);
  } finally {
    Error.stackTraceLimit = limit;
  }
};
const replaced = process.env.PULUMI_DEBUG_PROMISE_LEAKS ? {} : { debuggablePromise: shortened };

const stand: object = new Proxy(
  {},
  {
    get: (_, key) =>
      key === "__esModule"
        ? true
        : Object.hasOwn(replaced, key)
          ? Reflect.get(replaced, key)
          : Reflect.get(load(), key),
    has: (_, key) => key === "__esModule" || Reflect.has(load(), key),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_, key) => {
      const found = Reflect.getOwnPropertyDescriptor(load(), key);
      if (!found) return undefined;
      const value = Object.hasOwn(replaced, key) ? Reflect.get(replaced, key) : found.value;
      return { ...found, configurable: true, ...("value" in found ? { value } : {}) };
    },
  },
);

export = stand;
