// See lazyModule.ts: @pulumi/pulumi loads npm's Arborist (~500 modules) at start-up to find the
// packages a serialized closure needs, which this project never uses.
import { lazyModule } from "./lazyModule";

export = lazyModule("@npmcli/arborist");
