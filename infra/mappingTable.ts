import * as dynamodb from "@pulumi/aws/dynamodb";
import * as pulumi from "@pulumi/pulumi";
import { IDENTITY_INDEX, TTL_ATTRIBUTE } from "../core/mappingTable";
import { arns, type DeployTarget } from "../core/partition";

export interface MappingTableArgs {
  /** Partition facts and account, for the table's ARN. */
  target: pulumi.Input<DeployTarget>;
  /** Physical table name, unique per account and region, e.g. `cognito-devauth-dev-users`. */
  tableName: string;
  /** Tags for the table. */
  tags: Record<string, string>;
}

/**
 * The DynamoDB table mapping WeChat users to Cognito IdentityIds: the hot-path copy of Cognito's
 * own mapping, since `LookupDeveloperIdentity` is low-throughput and control-plane only.
 *
 * Key design (one item per user):
 * - `pk` (partition key) = provider + subject, the same string the login function passes to
 *   Cognito as the developer user identifier:
 *   - `wechat-union#<unionid>`: keyed by unionid, shared by every app under one WeChat Open
 *     Platform account, so mini-program, app and web users get one identity;
 *   - `wechat-open#<appId>#<openid>`: keyed by openid, which is per app, so the app is part of it.
 * - `identityId`: the Cognito IdentityId; the `byIdentityId` index (keys only) finds the user of
 *   an identity, e.g. for account deletion.
 * - `createdAt`, `lastLoginAt`, `appId`, `openid`, `unionid`: plain attributes.
 *
 * Guest claims (one item per upgraded guest identity, no `identityId`, so not in the index):
 * `pk` = `guest#<IdentityId>`, `claimedBy` = the user key allowed to link that guest identity
 * (functions/README.md, "Guest upgrade").
 *
 * Per-client limiter counters (one item per client and minute, no `identityId`): `pk` =
 * `rate#<hash>#<window start>`, `hits`, and `expiresAt` (epoch seconds), the table's TTL
 * attribute, so DynamoDB deletes them (docs/abuse-protection.md, "The per-client limiter"). User
 * rows and claims carry no `expiresAt`, so TTL never touches them.
 */
export class MappingTable extends pulumi.ComponentResource {
  public readonly tableName: pulumi.Output<string>;
  public readonly tableArn: pulumi.Output<string>;
  /** ARN of the `byIdentityId` index. */
  public readonly identityIndexArn: pulumi.Output<string>;

  constructor(name: string, args: MappingTableArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cognito-devauth:index:MappingTable", name, {}, opts);

    // Holds the user -> identity mapping: protected in Pulumi, deletion-protected in DynamoDB,
    // point-in-time recovery for mistakes, and retained if the stack is ever destroyed.
    const table = new dynamodb.Table(
      `${name}-table`,
      {
        name: args.tableName,
        billingMode: "PAY_PER_REQUEST",
        hashKey: "pk",
        attributes: [
          { name: "pk", type: "S" },
          { name: "identityId", type: "S" },
        ],
        globalSecondaryIndexes: [
          {
            name: IDENTITY_INDEX,
            keySchemas: [{ attributeName: "identityId", keyType: "HASH" }],
            projectionType: "KEYS_ONLY",
          },
        ],
        ttl: { attributeName: TTL_ATTRIBUTE, enabled: true },
        pointInTimeRecovery: { enabled: true },
        deletionProtectionEnabled: true,
        // KMS encryption with the AWS managed key (aws/dynamodb): key use is visible in CloudTrail.
        serverSideEncryption: { enabled: true },
        tags: args.tags,
      },
      { parent: this, protect: true, retainOnDelete: true },
    );

    this.tableName = table.name;
    this.tableArn = pulumi
      .all([args.target, table.name])
      .apply(([t, tableName]) => arns.table(t, tableName));
    this.identityIndexArn = pulumi.interpolate`${this.tableArn}/index/${IDENTITY_INDEX}`;

    this.registerOutputs({
      tableName: this.tableName,
      tableArn: this.tableArn,
      identityIndexArn: this.identityIndexArn,
    });
  }
}
