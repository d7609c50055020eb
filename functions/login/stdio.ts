/**
 * Log and metric lines to the process's stdout/stderr file descriptors with `fs.writeSync`,
 * without creating `process.stdout`/`process.stderr`: the first use of either stream builds a
 * stream over the descriptor (a net.Socket for Lambda's pipe, a SyncWriteStream for a file),
 * ~1.1 ms of a cold start's first login (functions/README.md, "Performance"), and the Lambda
 * runtime's own log writer uses `writeSync` the same way. The destination is the same fd and, as
 * Node writes files and (on Linux) pipes synchronously anyway, lines keep their order.
 *
 * If a write fails or is short (EAGAIN: the fd is non-blocking because some stream opened it, and
 * the pipe is full), the rest goes through the stream, and so does every later line of that fd,
 * so that no line overtakes one the stream still holds.
 */
import { writeSync } from "node:fs";

const viaStream: [boolean, boolean, boolean] = [false, false, false];

/** Write `line` (with its newline) whole to fd 1 (stdout) or 2 (stderr). */
export function writeLine(fd: 1 | 2, line: string): void {
  const stream = () => (fd === 1 ? process.stdout : process.stderr);
  if (viaStream[fd]) {
    stream().write(line);
    return;
  }
  const bytes = Buffer.from(line, "utf8");
  let written = 0;
  try {
    written = writeSync(fd, bytes);
  } catch {
    // EAGAIN (or another failure of the raw write): the stream queues and retries.
  }
  if (written < bytes.length) {
    viaStream[fd] = true;
    stream().write(bytes.subarray(written));
  }
}
