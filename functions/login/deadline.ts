/**
 * The invocation deadline as the ports take it (ports.ts `Deadline`), without an AbortController:
 * a process's first `new AbortController()` runs Node's EventTarget and AbortSignal set-up, ~1 M
 * instructions (~0.3 ms CPU) of a cold start that Lambda's runtime client has not paid before
 * (functions/README.md, "Performance"). Listeners fire once, in order, at the first `abort`; one
 * added after it never fires, as with an AbortSignal.
 */
import type { Deadline } from "./ports";

export class DeadlineSignal implements Deadline {
  aborted = false;
  reason: unknown = undefined;
  private listeners: (() => void)[] = [];

  addEventListener(_type: "abort", listener: () => void): void {
    if (!this.aborted) this.listeners.push(listener);
  }

  removeEventListener(_type: "abort", listener: () => void): void {
    const i = this.listeners.indexOf(listener);
    if (i >= 0) this.listeners.splice(i, 1);
  }

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) {
      try {
        listener();
      } catch (err) {
        // As EventTarget does: a throwing listener is an uncaught error, the others still run.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
