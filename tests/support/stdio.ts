/**
 * Captures the JSON lines a bundle under test writes (log and EMF lines) instead of printing
 * them: through `process.stdout`/`process.stderr`, and through `fs.writeSync` to fd 1 or 2, as
 * the login function writes them (functions/login/stdio.ts). Anything else passes through.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object itself, so the bundle's calls see the spy
const fs = require("node:fs") as typeof import("node:fs");

const textOf = (chunk: unknown): string =>
  typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString();

/** Calls `sink` with each write of a JSON line (one `{...}\n` text, or several). */
export function captureJsonLines(sink: (text: string) => void): void {
  for (const stream of [process.stdout, process.stderr]) {
    const orig = stream.write.bind(stream);
    jest.spyOn(stream, "write").mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      const text = textOf(chunk);
      if (!text.trimStart().startsWith("{")) {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- forwarding the overloaded write() as-is
        return (orig as any)(chunk, ...rest);
      }
      sink(text);
      (rest.find((r) => typeof r === "function") as (() => void) | undefined)?.();
      return true;
    }) as typeof stream.write);
  }
  const writeSync = fs.writeSync.bind(fs);
  jest.spyOn(fs, "writeSync").mockImplementation(((
    fd: number,
    data: unknown,
    ...rest: unknown[]
  ) => {
    const text = fd === 1 || fd === 2 ? textOf(data) : "";
    if (!text.trimStart().startsWith("{")) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- forwarding the overloaded writeSync() as-is
      return (writeSync as any)(fd, data, ...rest);
    }
    sink(text);
    return Buffer.byteLength(text);
  }) as typeof fs.writeSync);
}
