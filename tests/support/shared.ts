/**
 * Values computed once per jest worker and shared by its test files (docs/testing.md, "Keeping
 * the suite fast"): the first file to ask computes the value, later files get a copy of it. Only
 * for what cannot differ between files in one run, such as a synthesis of a committed stack.
 *
 * The worker's store (tests/support/environment.ts) holds JSON; every caller, the first included,
 * gets its own fresh copy, built in its own realm, so no file sees another's mutations or objects.
 * `undefined` values survive the round trip (an absent and an undefined key stay distinct).
 */
import { createHash } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import * as path from "node:path";

const store = (globalThis as { __workerStore?: Map<string, string> }).__workerStore;

const UNDEFINED = "\u0000undefined";

export function preserve(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v === undefined ? UNDEFINED : v));
}

export function revive<T>(text: string): T {
  const restore = (v: unknown): unknown => {
    if (v === UNDEFINED) return undefined;
    if (Array.isArray(v)) return v.map(restore);
    if (typeof v === "object" && v !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, inner] of Object.entries(v)) out[k] = restore(inner);
      return out;
    }
    return v;
  };
  return restore(JSON.parse(text)) as T;
}

const pending = new Map<string, Promise<string>>();

/** `make()`'s value, computed at most once per worker (failures are not kept). */
export async function sharedPerWorker<T>(key: string, make: () => Promise<T>): Promise<T> {
  const saved = store?.get(key);
  if (saved !== undefined) return revive<T>(saved);
  let made = pending.get(key);
  if (!made) {
    made = make().then(preserve);
    pending.set(key, made);
    made.then(
      (text) => store?.set(key, text),
      () => pending.delete(key),
    );
  }
  return revive<T>(await made);
}

const ROOT = path.join(__dirname, "..", "..");

/**
 * A fingerprint of the files (size and modification time) under `entries`, paths relative to
 * the repository root (or absolute): part of a shared value's key, so a worker that lives on (`jest --watch`)
 * recomputes once a source it depends on changed.
 */
export function filesFingerprint(entries: readonly string[]): string {
  const hash = createHash("sha256");
  const visit = (rel: string): void => {
    const full = path.resolve(ROOT, rel);
    const stat = statSync(full, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      for (const name of readdirSync(full).sort()) {
        if (name !== "node_modules") visit(path.join(rel, name));
      }
    } else hash.update(`${rel}\0${stat.size}\0${stat.mtimeMs}\n`);
  };
  for (const entry of entries) visit(entry);
  return hash.digest("hex").slice(0, 16);
}
