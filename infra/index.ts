/**
 * Program entry: reads the stack's config once and composes the components. Exported as a
 * function, which Pulumi calls and whose result becomes the stack outputs; the offline plan and
 * the tests call the same function under Pulumi's mocks.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { loadConfig, PROJECT } from "./config";
import { IdentityPool } from "./identityPool";
import { MappingTable } from "./mappingTable";
import { partitionFacts } from "./partition";

async function main() {
  const cfg = loadConfig();
  const tags = { project: PROJECT, stack: pulumi.getStack(), ...cfg.tags };

  // Partition facts come from the provider (getPartition) and the region, never from literals.
  const partition = aws
    .getPartitionOutput()
    .apply((p) => partitionFacts(p.partition, cfg.region, cfg.trust));

  const identity = new IdentityPool("identity", {
    identityPoolName: cfg.identityPoolName,
    developerProviderName: cfg.developerProviderName,
    partition,
    allowGuests: cfg.allowGuests,
    allowClassicFlow: cfg.loginFlow === "basic",
    authenticatedRoleMaxSessionSeconds: cfg.credentialsDurationSeconds,
    supportedLoginProviders: cfg.supportedLoginProviders,
    cognitoIdentityProviders: cfg.cognitoIdentityProviders,
    tags,
  });

  const users = new MappingTable("user-map", { tags });

  return {
    identityPoolId: identity.identityPoolId,
    region: cfg.region,
    partition: partition.partition,
    loginsKey: partition.cognitoLoginsKey,
    developerProviderName: cfg.developerProviderName,
    authenticatedRoleArn: identity.authenticatedRole.arn,
    ...(identity.guestRole ? { guestRoleArn: identity.guestRole.arn } : {}),
    tableName: users.tableName,
  };
}

export = main;
