import { TestEnvironment } from "jest-environment-node";

/**
 * Jest's node environment, plus one store that lives as long as the jest worker process, where
 * a test file can leave what later files in the same worker may reuse (tests/support/shared.ts).
 * Each test file still gets its own realm and module registry; the store holds only strings.
 */
const store = new Map<string, string>();

export default class WorkerSharingEnvironment extends TestEnvironment {
  constructor(...args: ConstructorParameters<typeof TestEnvironment>) {
    super(...args);
    this.global.__workerStore = store;
  }
}
