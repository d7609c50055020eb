/**
 * Where a resource is deployed: its region, and that region's partition (from the partition
 * table in core/partition.ts; AWS General Reference "ARN format").
 */
import type { PolicyProviderResource } from "@pulumi/policy";
import { REGION } from "../../core/ids";
import { partitionOfRegion as tablePartitionOf, type PartitionId } from "../../core/partition";
import { TYPES } from "./types";
import { isRecord, known, raw } from "./util";

export type Partition = PartitionId | "unsupported";

/**
 * The partition of a region, from the one partition table (core/partition.ts); `unsupported`
 * for regions of partitions this project does not deploy to (GovCloud, ISO), whose ARNs the rules
 * then report rather than guess about.
 */
export function partitionOfRegion(region: string): Partition {
  return tablePartitionOf(region) ?? "unsupported";
}

function regionValue(value: unknown): string | undefined {
  const v = raw(value);
  return known(v) && REGION.test(v) ? v : undefined;
}

/** The parts of a resource that tell its region (both ResourceValidationArgs and PolicyResource). */
export interface RegionSource {
  type: string;
  props: Record<string, unknown>;
  provider?: Pick<PolicyProviderResource, "props"> | undefined;
}

export interface ResolvedRegion {
  region: string;
  partition: Partition;
  /** Where the region came from, for messages. */
  from: string;
}

/**
 * The region a resource is deployed to, most specific first: the resource's own `region`
 * property (@pulumi/aws v7 per-resource region; also present in every v7 resource's outputs), then
 * its provider's `region` (the default provider carries the stack's `aws:region` config), then a
 * provider resource's own `region`, then `fallbackRegion` (the stack-wide region, if unambiguous).
 * Undefined when none is known: callers must report that rather than guess.
 */
export function resolveRegion(
  resource: RegionSource,
  fallbackRegion?: ResolvedRegion,
): ResolvedRegion | undefined {
  const props = raw(resource.props);
  const own = regionValue(props["region"]);
  if (own !== undefined && resource.type.startsWith("pulumi:providers:")) {
    return { region: own, partition: partitionOfRegion(own), from: "provider config" };
  }
  if (own !== undefined) {
    return { region: own, partition: partitionOfRegion(own), from: "resource region" };
  }
  const providerProps = resource.provider ? raw(resource.provider.props) : undefined;
  const viaProvider = isRecord(providerProps) ? regionValue(providerProps["region"]) : undefined;
  if (viaProvider !== undefined) {
    return {
      region: viaProvider,
      partition: partitionOfRegion(viaProvider),
      from: "provider region",
    };
  }
  return fallbackRegion;
}

/**
 * The stack-wide region: the single region shared by every `pulumi:providers:aws` resource in the
 * stack, else `configuredRegion` (the policy pack's own `region` setting). Undefined when there is
 * no such region or the providers disagree.
 */
export function stackRegion(
  resources: readonly RegionSource[],
  configuredRegion?: string,
): ResolvedRegion | undefined {
  const regions = new Set<string>();
  for (const r of resources) {
    if (r.type !== TYPES.awsProvider) continue;
    const region = regionValue(raw(r.props)["region"]);
    if (region !== undefined) regions.add(region);
  }
  if (regions.size === 1) {
    const [region] = [...regions] as [string];
    return { region, partition: partitionOfRegion(region), from: "the stack's AWS provider" };
  }
  const configured = regionValue(configuredRegion);
  if (configured !== undefined) {
    return {
      region: configured,
      partition: partitionOfRegion(configured),
      from: "policy config 'region'",
    };
  }
  return undefined;
}
