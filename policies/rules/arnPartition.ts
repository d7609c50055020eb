/**
 * arn-partition: every ARN in the stack uses the stack's partition.
 *
 * Why: a hard-coded global-partition (`arn:aws`) ARN is the classic China-region bug (docs/aws-china.md, "The China
 * partition"): IAM rejects or silently never matches it in aws-cn. ARNs are `arn:<partition>:...`
 * (AWS General Reference, "Amazon Resource Names"). Build them from `aws.getPartitionOutput()`.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { resolveRegion, stackRegion } from "./partition";
import { isRecord, isSerializedSecret, isUnknown, raw } from "./util";

/** `arn:<partition>:` anywhere in a string (also inside JSON policy documents). */
const ARN_RE = /\barn:([a-z][a-z0-9-]*):[^\s"',]*/g;

export interface FoundArn {
  path: string;
  arn: string;
  partition: string;
}

/** Every ARN-looking substring in a property tree, with its property path. */
export function findArns(value: unknown, path = "props"): FoundArn[] {
  const v = raw(value);
  if (typeof v === "string") {
    if (isUnknown(v)) return [];
    return [...v.matchAll(ARN_RE)].map((m) => ({ path, arn: m[0], partition: m[1] ?? "" }));
  }
  if (Array.isArray(v)) return v.flatMap((item, i) => findArns(item, `${path}[${i}]`));
  if (isSerializedSecret(v)) return findArns(v.value, path);
  if (isRecord(v)) {
    return Object.entries(v).flatMap(([k, item]) => findArns(item, `${path}.${k}`));
  }
  return [];
}

export interface ArnPartitionConfig {
  /** Region to assume when the stack has no AWS provider resource with a region. */
  region?: string;
}

export const arnPartition: StackValidationPolicy = {
  name: "arn-partition",
  description: "Every ARN in the stack must use the partition of the stack's region.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      region: {
        type: "string",
        description: "Region to assume when no AWS provider in the stack names one.",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const config = args.getConfig<ArnPartitionConfig>();
    const resources: readonly PolicyResource[] = args.resources;
    const fallback = stackRegion(resources, config.region);
    for (const resource of resources) {
      const arns = findArns(resource.props);
      if (arns.length === 0) continue;
      const region = resolveRegion(resource, fallback);
      if (!region) {
        reportViolation(
          `Resource '${resource.name}' (${resource.type}) contains ARNs but its region cannot be ` +
            `determined (no region on the resource or its provider, and no single aws:region in the ` +
            `stack), so their partition cannot be checked. Set aws:region or the policy's 'region' config.`,
          resource.urn,
        );
        continue;
      }
      const seen = new Set<string>();
      for (const found of arns) {
        if (found.partition === region.partition) continue;
        const key = `${found.path} ${found.arn}`;
        if (seen.has(key)) continue;
        seen.add(key);
        reportViolation(
          `Resource '${resource.name}' (${resource.type}) has ARN '${found.arn}' at ${found.path} ` +
            `in partition '${found.partition}', but the stack's region ${region.region} is in ` +
            `'${region.partition}' (from ${region.from}). Build the ARN from ` +
            `aws.getPartitionOutput().partition.`,
          resource.urn,
        );
      }
    }
  },
};
