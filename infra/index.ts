/**
 * Program entry: reads the stack's config once and composes the components. Exported as a
 * function, which Pulumi calls and whose result becomes the stack outputs; the offline plan and
 * the tests call the same function under Pulumi's mocks.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { loadConfig, PROJECT } from "./config";
import { IdentityPool } from "./identityPool";
import { LoginApi } from "./loginApi";
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

  const login = new LoginApi("wechat-login", {
    partition,
    // Physical name so its log group can be created first; unique per stack (Lambda: 64 chars).
    functionName: `${PROJECT}-${pulumi.getStack()}-login`.replace(/[^\w-]/g, "-").slice(0, 64),
    flow: cfg.loginFlow,
    identityPoolId: identity.identityPoolId,
    identityPoolArn: identity.identityPoolArn,
    developerProviderName: cfg.developerProviderName,
    tokenDurationSeconds: cfg.tokenDurationSeconds,
    userKey: cfg.userKey,
    tableName: users.tableName,
    tableArn: users.tableArn,
    wechatAppId: cfg.wechat.appId,
    wechatAppSecret: pulumi.secret(cfg.wechat.appSecret.reveal()),
    auth: cfg.login.auth,
    guestRole: identity.guestRole,
    authenticatedRoleArn: identity.authenticatedRole.arn,
    credentialsDurationSeconds: cfg.credentialsDurationSeconds,
    icpFilingNumber: cfg.login.icpFilingNumber,
    rateLimit: cfg.login.rateLimit,
    burstLimit: cfg.login.burstLimit,
    memoryMb: cfg.login.memoryMb,
    timeoutSeconds: cfg.login.timeoutSeconds,
    logRetentionDays: cfg.login.logRetentionDays,
    tags,
  });

  return {
    identityPoolId: identity.identityPoolId,
    region: cfg.region,
    partition: partition.partition,
    loginsKey: partition.cognitoLoginsKey,
    developerProviderName: cfg.developerProviderName,
    authenticatedRoleArn: identity.authenticatedRole.arn,
    ...(identity.guestRole ? { guestRoleArn: identity.guestRole.arn } : {}),
    tableName: users.tableName,
    loginUrl: login.loginUrl,
    loginFlow: cfg.loginFlow,
    loginAuth: cfg.login.auth,
  };
}

export = main;
