import * as path from "node:path";

/**
 * A stand-in for a CommonJS module that loads the real one on first use: any property read, call,
 * `new` or key listing loads it and forwards there. Jest maps a few heavy modules that
 * `@pulumi/pulumi` requires at start-up but only uses for features this project never calls
 * (closure serialization) to such stand-ins (jest.config.js, `moduleNameMapper`), because jest
 * evaluates every module afresh in each test file (docs/testing.md, "Keeping the suite fast").
 *
 * `__esModule` reads as true and `default` as the module itself (unless it has its own), so
 * TypeScript's and swc's import helpers hand out the stand-in instead of copying its keys up
 * front, and still see what they would have seen: a namespace import's members, a default
 * import's module.
 */
export function lazyModule(name: string): unknown {
  let real: Record<PropertyKey, unknown> | undefined;
  const load = (): Record<PropertyKey, unknown> => {
    // Resolved through package.json, which the mapping (an exact module name) does not match;
    // jest's own require, so the module still lives in the test file's registry.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a name known only at run time
    real ??= require(path.dirname(require.resolve(`${name}/package.json`))) as Record<
      PropertyKey,
      unknown
    >;
    return real;
  };
  // A function target, so a module that is itself a function or class can be called or `new`ed.
  const target = function lazy() {} as unknown as Record<PropertyKey, unknown>;
  const stand: object = new Proxy(target, {
    get: (_, key) => {
      if (key === "__esModule") return true;
      const mod = load();
      if (key === "default" && !Object.prototype.hasOwnProperty.call(mod, "default")) return mod;
      return Reflect.get(mod, key);
    },
    has: (_, key) => key === "__esModule" || Reflect.has(load(), key),
    ownKeys: () => [...new Set([...Reflect.ownKeys(load()), ...Reflect.ownKeys(target)])],
    getOwnPropertyDescriptor: (_, key) => {
      const own = Reflect.getOwnPropertyDescriptor(target, key);
      if (own && !own.configurable) return own;
      const found = Reflect.getOwnPropertyDescriptor(load(), key);
      return found && { ...found, configurable: true };
    },
    apply: (_, self, args) => Reflect.apply(load() as unknown as () => unknown, self, args),
    construct: (_, args, newTarget) => {
      const ctor = load() as unknown as new (...a: unknown[]) => object;
      return Reflect.construct(ctor, args, newTarget === stand ? ctor : newTarget);
    },
  });
  return stand;
}
