// @ts-check
// Plain JavaScript: jest loads its runtime with Node's own require, before any transform.
const vm = require("node:vm");
const Runtime = require("jest-runtime").default;

/**
 * Jest's runtime, with V8 code caches for the modules it compiles.
 *
 * Jest compiles every module afresh for each test file (its own realm and registry), so a worker
 * parses Pulumi's generated protobuf code, zod, the AWS SDK and jest's own expect and circus
 * dozens of times over: ~0.1 s of CPU per test file that synthesizes (docs/testing.md, "Keeping
 * the suite fast"). Here the first compile of a module in a worker keeps V8's code cache, and
 * later compiles of the same source hand it to `vm.compileFunction` (`cachedData`), which skips
 * the parse. The code run is the same: a cache is only used for the identical source text (V8
 * itself checks only its length and flags) and V8 falls back to compiling when it rejects one.
 * Jest still makes each module afresh in each file's realm.
 *
 * Jest's own compile step is used as it is (jest.config.js, `runtime`); only its call to
 * `vm.compileFunction` gets the cache, and only while that step runs. Should a jest release
 * move that step, the runtime compiles as jest does, without caches.
 */
/** @type {Map<string, { source: string, data: Buffer }>} */
const caches = new Map();

/**
 * @param {typeof vm.compileFunction} compileFunction
 * @param {string} source
 * @returns {typeof vm.compileFunction}
 */
const cachingFor = (compileFunction, source) =>
  function compileWithCache(code, params, options = {}) {
    const filename = options.filename;
    if (code !== source || filename === undefined) return compileFunction(code, params, options);
    const cached = caches.get(filename);
    if (cached && cached.source === code) {
      const fn = compileFunction(code, params, { ...options, cachedData: cached.data });
      if (fn.cachedDataRejected) caches.delete(filename);
      return fn;
    }
    const fn = compileFunction(code, params, { ...options, produceCachedData: true });
    if (fn.cachedData) caches.set(filename, { source: code, data: fn.cachedData });
    return fn;
  };

class CodeCachingRuntime extends Runtime {
  /** @param {ConstructorParameters<typeof Runtime>} args */
  constructor(...args) {
    super(...args);
    /** @type {{ compile?: (source: string, filename: string) => unknown } | undefined} */
    const executor = /** @type {any} */ (this).executor;
    const compile = executor?.compile;
    if (!executor || typeof compile !== "function") return;
    executor.compile = (source, filename) => {
      const compileFunction = vm.compileFunction;
      vm.compileFunction = cachingFor(compileFunction, source);
      try {
        return compile.call(executor, source, filename);
      } finally {
        vm.compileFunction = compileFunction;
      }
    };
  }
}

module.exports = CodeCachingRuntime;
