/**
 * In-memory esbuild bundles of the login function, one entry per flow, so the enhanced bundle
 * contains no STS. The infra deploys `{ [fileName]: code }` with runtime nodejs22.x and
 * `handler`.
 *
 * The function calls AWS through its own small signed client (functions/login/aws-client.ts, SigV4
 * by `aws4`), not the AWS SDK (functions/README.md, "Performance"). `mainFields: module, main`
 * takes a dependency's ES build where it has one, so that it tree-shakes.
 */
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import type { LoginFlow } from "../core/vocabulary";

export interface LoginBundle {
  code: string;
  bytes: number;
  gzipBytes: number;
  fileName: string;
  handler: string;
}

/** The functions live in their own folder; they are bundled by path, never imported here. */
const FUNCTIONS = path.join(__dirname, "..", "functions");

const ENTRIES: Record<LoginFlow, string> = {
  enhanced: path.join(FUNCTIONS, "login", "enhanced.ts"),
  basic: path.join(FUNCTIONS, "login", "basic.ts"),
};

export async function buildLoginBundle(flow: LoginFlow): Promise<LoginBundle> {
  const entry = ENTRIES[flow];
  if (!entry) throw new Error(`unknown login flow: ${String(flow)}`);
  return buildEntry(entry, flow);
}

/** The account-deletion function (functions/account), same build settings. */
export function buildAccountBundle(): Promise<LoginBundle> {
  return buildEntry(path.join(FUNCTIONS, "account", "index.ts"), "account");
}

async function buildEntry(entry: string, label: string): Promise<LoginBundle> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    minify: true,
    treeShaking: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    mainFields: ["module", "main"],
    // Emit require() for any dynamic import() so the CommonJS bundle also loads under vm-based
    // hosts (jest) without ESM flags.
    supported: { "dynamic-import": false },
    sourcemap: false,
    legalComments: "none",
    logLevel: "silent",
    absWorkingDir: path.join(__dirname, ".."),
  });
  const out = result.outputFiles[0];
  if (!out || result.outputFiles.length !== 1) {
    throw new Error(`esbuild produced ${result.outputFiles.length} files for ${label}`);
  }
  return {
    code: out.text,
    bytes: out.contents.byteLength,
    gzipBytes: gzipSync(out.contents).byteLength,
    fileName: "index.js",
    handler: "index.handler",
  };
}
