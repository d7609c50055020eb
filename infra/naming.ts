import { createHash } from "node:crypto";

/**
 * Physical name `<prefix>-<suffix>` within a service's length limit. Names are physical (not
 * auto-named) so every ARN is built from the partition table and known before deployment; a name
 * too long for the service is shortened with a hash of the full name, so it stays unique.
 */
export function physicalName(prefix: string, suffix: string, maxLength: number): string {
  const full = `${prefix}-${suffix}`.replace(/[^\w-]/g, "-");
  if (full.length <= maxLength) return full;
  const hash = createHash("sha256").update(full).digest("hex").slice(0, 7);
  return `${full.slice(0, maxLength - hash.length - 1)}-${hash}`;
}

/** Limits of the names the stack sets (IAM, Lambda, DynamoDB, CloudWatch Logs, Secrets Manager). */
export const NAME_LIMITS = {
  role: 64,
  lambdaFunction: 64,
  table: 255,
  logGroup: 512,
  secret: 512,
} as const;
