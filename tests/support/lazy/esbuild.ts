// esbuild as jest's test files see it (jest.config.js `moduleNameMapper`): the real package, but
// an in-memory `build` (write: false, no plugins) is run once per jest worker and its result
// shared by the worker's test files (tests/support/shared.ts; docs/testing.md, "Keeping the suite
// fast"), keyed by the build's options and a fingerprint of the sources a function bundle reads.
// Every test file that bundles the login function would otherwise run the same build again.
import * as path from "node:path";
import type * as esbuild from "esbuild";
import { filesFingerprint, sharedPerWorker } from "../shared";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- past the mapping, by path
const real = require(path.dirname(require.resolve("esbuild/package.json"))) as typeof esbuild;

/** What a bundle of functions/ reads. */
const BUNDLE_INPUTS = ["functions", "core", "package-lock.json"];

interface SavedFile {
  path: string;
  hash: string;
  base64: string;
}

const outputFile = (f: SavedFile): esbuild.OutputFile => {
  const contents = new Uint8Array(Buffer.from(f.base64, "base64"));
  return { path: f.path, hash: f.hash, contents, text: new TextDecoder().decode(contents) };
};

async function build(options: esbuild.BuildOptions): Promise<esbuild.BuildResult> {
  if (options.write !== false || options.plugins?.length) return real.build(options);
  const key = `esbuild:${JSON.stringify(options)}:${filesFingerprint(BUNDLE_INPUTS)}`;
  const saved = await sharedPerWorker(key, async () => {
    const { outputFiles = [], ...rest } = await real.build(options);
    const files: SavedFile[] = outputFiles.map((f) => ({
      path: f.path,
      hash: f.hash,
      base64: Buffer.from(f.contents).toString("base64"),
    }));
    return { rest, files };
  });
  return { ...(saved.rest as esbuild.BuildResult), outputFiles: saved.files.map(outputFile) };
}

export = { ...real, build, default: { ...real, build } };
