import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Io } from "../../scripts/cli";

/** An Io that records what a CLI prints; standard input is `stdin` (or refused when absent). */
export function captureIo(stdin?: string): Io & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    readStdin: () => {
      if (stdin === undefined) throw new Error("stdin must not be read here");
      return stdin;
    },
    stdinIsTTY: false,
  };
}

/** What a CLI wrote to stderr, as lines (every error must be exactly one). */
export const errLines = (io: { err: string[] }) => io.err.join("").split("\n").filter(Boolean);

/** A fresh temporary directory. */
export const tempDir = (prefix = "cli-") => mkdtempSync(path.join(tmpdir(), prefix));

/** Writes `content` (JSON-encoded unless a string) to a temporary file; returns its path. */
export function tempFile(name: string, content: unknown): string {
  const file = path.join(tempDir(), name);
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return file;
}
