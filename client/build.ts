/**
 * Builds the mini-program kit: client/miniprogram.ts -> client/dist/miniprogram.js (CommonJS,
 * minified, ES2017 for older WeChat base libraries). Browser builds of @smithy's helpers, with the
 * kit's own UTF-8 swapped in for their TextEncoder/TextDecoder. The build fails if anything in it
 * still needs `require` (a Node built-in or an unbundled package).
 *
 * Usage: npm run build:client
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { build, type Plugin } from "esbuild";

export const OUTFILE = path.join(__dirname, "dist", "miniprogram.js");

/** @smithy's browser utf8 helpers call TextEncoder/TextDecoder; use client/utf8.ts instead. */
const kitUtf8: Plugin = {
  name: "kit-utf8",
  setup(b) {
    b.onLoad({ filter: /util-utf8[\\/](fromUtf8|toUtf8)\.browser\.js$/ }, (args) => {
      const fn = path.basename(args.path).startsWith("from") ? "fromUtf8" : "toUtf8";
      return {
        contents: `export { ${fn} } from ${JSON.stringify(path.join(__dirname, "utf8.ts"))};`,
        loader: "js",
        resolveDir: __dirname,
      };
    });
  },
};

export interface MiniprogramBuild {
  readonly code: string;
  readonly bytes: number;
  readonly gzipBytes: number;
}

export async function buildMiniprogram(opts: { write?: boolean } = {}): Promise<MiniprogramBuild> {
  const result = await build({
    entryPoints: [path.join(__dirname, "miniprogram.ts")],
    bundle: true,
    minify: true,
    format: "cjs",
    platform: "browser",
    target: "es2017",
    write: false,
    outfile: OUTFILE,
    plugins: [kitUtf8],
    legalComments: "none",
    logLevel: "silent",
  });
  const code = (result.outputFiles[0] as { text: string }).text;
  const required = /\brequire\(\s*["']([^"']+)["']\s*\)/.exec(code);
  if (required) throw new Error(`The mini-program build requires '${required[1]}'.`);
  if (opts.write) {
    mkdirSync(path.dirname(OUTFILE), { recursive: true });
    writeFileSync(OUTFILE, code);
  }
  return {
    code,
    bytes: Buffer.byteLength(code),
    gzipBytes: gzipSync(code, { level: 9 }).length,
  };
}

if (require.main === module) {
  buildMiniprogram({ write: true }).then(
    (b) =>
      process.stdout.write(
        `${path.relative(process.cwd(), OUTFILE)}: ${b.bytes} bytes, ${b.gzipBytes} gzip\n`,
      ),
    (err: unknown) => {
      process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
