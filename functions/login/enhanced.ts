/** Bundle entry: enhanced flow (no STS in this bundle). */
import { createRuntime } from "./runtime";

export const { handler } = createRuntime("enhanced");
