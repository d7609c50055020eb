import { TestEnvironment } from "jest-environment-node";
import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Jest's node environment, plus one store that lives as long as the jest worker process, where
 * a test file can leave what later files in the same worker may reuse (tests/support/shared.ts).
 * Each test file still gets its own realm and module registry; the store holds only strings.
 */
const store = new Map<string, string>();

/**
 * AsyncLocalStorage instances that held a store while the current test file ran.
 *
 * Jest-circus (per test file) and the Pulumi SDK (per realm) each make one and never disable it.
 * Node keeps every enabled instance in one process-wide list and visits all of them at each
 * promise's creation, so a worker's later files paid for every earlier file's instances. They
 * belong to a finished file's realm, so the environment disables them when the file ends
 * (docs/testing.md, "Keeping the suite fast"); an instance that is used again (`run`,
 * `enterWith`) is enabled again by Node.
 */
const used = new Set<AsyncLocalStorage<unknown>>();
const { run, enterWith } = AsyncLocalStorage.prototype;
AsyncLocalStorage.prototype.run = function <R>(
  this: AsyncLocalStorage<unknown>,
  value: unknown,
  callback: (...args: unknown[]) => R,
  ...args: unknown[]
): R {
  used.add(this);
  return run.call(this, value, callback, ...args) as R;
};
AsyncLocalStorage.prototype.enterWith = function (this: AsyncLocalStorage<unknown>, value) {
  used.add(this);
  enterWith.call(this, value);
};

export default class WorkerSharingEnvironment extends TestEnvironment {
  constructor(...args: ConstructorParameters<typeof TestEnvironment>) {
    super(...args);
    this.global.__workerStore = store;
  }

  override async teardown(): Promise<void> {
    for (const storage of used) storage.disable();
    used.clear();
    await super.teardown();
  }
}
