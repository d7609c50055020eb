/**
 * A recording stand-in for the function's AWS client (functions/login/aws-client.ts) in adapter
 * tests: per operation, a canned reply, a rejection or a fake; every call's input is kept. The
 * wire format itself is tested against HTTP fakes (aws-client.test.ts, the bundled integration
 * tests).
 */
import {
  AwsServiceError,
  type JsonClient,
  type QueryClient,
} from "../../functions/login/aws-client";

type Behaviour = (input: Record<string, unknown>, signal: AbortSignal | undefined) => unknown;

export class FakeAwsClient implements JsonClient, QueryClient {
  private behaviours = new Map<string, Behaviour>();
  private seen: { operation: string; input: Record<string, unknown> }[] = [];

  on(operation: string) {
    const set = (b: Behaviour) => {
      this.behaviours.set(operation, b);
      return this;
    };
    return {
      resolves: (value: unknown) => set(async () => value),
      rejects: (err: unknown) =>
        set(async () => {
          throw err;
        }),
      callsFake: (fn: Behaviour) => set(fn),
    };
  }

  /** Inputs of the calls of `operation`, in order. */
  inputs(operation: string): Record<string, unknown>[] {
    return this.seen.filter((c) => c.operation === operation).map((c) => c.input);
  }

  reset(): void {
    this.behaviours.clear();
    this.seen = [];
  }

  async json<T>(operation: string, input: object, signal?: AbortSignal): Promise<T> {
    return (await this.call(operation, input as Record<string, unknown>, signal)) as T;
  }

  async query(action: string, params: Record<string, string>, signal?: AbortSignal) {
    return String(await this.call(action, params, signal));
  }

  private async call(operation: string, input: Record<string, unknown>, signal?: AbortSignal) {
    this.seen.push({ operation, input });
    const b = this.behaviours.get(operation);
    if (!b) throw new Error(`no behaviour for ${operation}`);
    return b(input, signal);
  }
}

/** A service error as the client throws it, with an upstream message that must never leak. */
export function serviceError(name: string, status: number, message = name): AwsServiceError {
  const err = new AwsServiceError(name, status);
  err.message = message;
  return err;
}
