// See lazyModule.ts: @pulumi/pulumi loads TypeScript's compiler (9 MB) at start-up for closure
// serialization, which this project never uses.
import { lazyModule } from "./lazyModule";

export = lazyModule("typescript");
