/**
 * DynamoDB mapping table adapter: pk (S) hash key, GSI byIdentityId on identityId (S, keys only).
 * User rows are keyed by the user key; guest claims by `guest#<IdentityId>` (no identityId
 * attribute, so they stay out of the index).
 */
import type { JsonClient } from "./aws-client";
import { IDENTITY_INDEX } from "../../core/mappingTable";
import { InternalError, awsErrorName, classifyAwsError } from "./errors";
import type { MappingPort, MappingRow } from "./ports";

/** DynamoDB's attribute value on the wire; the table only uses strings. */
export interface AttributeValue {
  readonly S?: string;
}
type Item = Record<string, AttributeValue>;

export function makeMappingTable(client: JsonClient, tableName: string): MappingPort {
  return {
    async touch(pk, nowIso, signal) {
      try {
        const out = await client.json<{ Attributes?: Item }>(
          "UpdateItem",
          {
            TableName: tableName,
            Key: { pk: { S: pk } },
            UpdateExpression: "SET lastLoginAt = :now",
            ConditionExpression: "attribute_exists(pk)",
            ExpressionAttributeValues: { ":now": { S: nowIso } },
            ReturnValues: "ALL_NEW",
          },
          signal,
        );
        return toRow(out.Attributes);
      } catch (err) {
        if (awsErrorName(err) === "ConditionalCheckFailedException") return undefined;
        throw classifyAwsError("dynamodb", err);
      }
    },

    async create(row, signal) {
      const item: Item = {
        pk: { S: row.pk },
        identityId: { S: row.identityId },
        createdAt: { S: row.createdAt },
        lastLoginAt: { S: row.lastLoginAt },
        appId: { S: row.appId },
        openid: { S: row.openid },
      };
      if (row.unionid) item["unionid"] = { S: row.unionid };
      try {
        await client.json(
          "PutItem",
          {
            TableName: tableName,
            Item: item,
            ConditionExpression: "attribute_not_exists(pk)",
          },
          signal,
        );
        return "created";
      } catch (err) {
        if (awsErrorName(err) !== "ConditionalCheckFailedException") {
          throw classifyAwsError("dynamodb", err);
        }
      }
      // Someone else created it first: read what they wrote.
      try {
        const out = await client.json<{ Item?: Item }>(
          "GetItem",
          {
            TableName: tableName,
            Key: { pk: { S: row.pk } },
            ConsistentRead: true,
          },
          signal,
        );
        const existing = toRow(out.Item);
        if (!existing) throw new InternalError("mapping row vanished after conditional create");
        return existing;
      } catch (err) {
        throw classifyAwsError("dynamodb", err);
      }
    },

    async replaceIdentity(pk, oldIdentityId, newIdentityId, nowIso, signal) {
      try {
        await client.json(
          "UpdateItem",
          {
            TableName: tableName,
            Key: { pk: { S: pk } },
            UpdateExpression: "SET identityId = :new, lastLoginAt = :now",
            ConditionExpression: "identityId = :old",
            ExpressionAttributeValues: {
              ":new": { S: newIdentityId },
              ":old": { S: oldIdentityId },
              ":now": { S: nowIso },
            },
          },
          signal,
        );
      } catch (err) {
        if (awsErrorName(err) === "ConditionalCheckFailedException") return; // already repaired
        throw classifyAwsError("dynamodb", err);
      }
    },

    async claimGuest(guestIdentityId, pk, nowIso, signal) {
      // An upsert that only the first claimer (or the same user again) passes; DynamoDB
      // serializes conditional writes to one item, so two users can never both hold it.
      try {
        await client.json(
          "UpdateItem",
          {
            TableName: tableName,
            Key: { pk: { S: guestClaimKey(guestIdentityId) } },
            UpdateExpression: "SET claimedBy = :me, claimedAt = if_not_exists(claimedAt, :now)",
            ConditionExpression: "attribute_not_exists(pk) OR claimedBy = :me",
            ExpressionAttributeValues: { ":me": { S: pk }, ":now": { S: nowIso } },
          },
          signal,
        );
        return true;
      } catch (err) {
        if (awsErrorName(err) === "ConditionalCheckFailedException") return false;
        throw classifyAwsError("dynamodb", err);
      }
    },

    async usersOfIdentity(identityId, signal) {
      try {
        const out = await client.json<{ Items?: Item[] }>(
          "Query",
          {
            TableName: tableName,
            IndexName: IDENTITY_INDEX,
            KeyConditionExpression: "identityId = :id",
            ExpressionAttributeValues: { ":id": { S: identityId } },
            ProjectionExpression: "pk",
            // Keys are unique: of any two rows, one is another user's.
            Limit: 2,
          },
          signal,
        );
        return (out.Items ?? []).flatMap((i) => (i["pk"]?.S ? [i["pk"].S] : []));
      } catch (err) {
        throw classifyAwsError("dynamodb", err);
      }
    },
  };
}

/** Key of the claim item of a guest identity. */
export function guestClaimKey(guestIdentityId: string): string {
  return `guest#${guestIdentityId}`;
}

function toRow(item: Item | undefined): MappingRow | undefined {
  if (!item) return undefined;
  const s = (k: string): string | undefined => item[k]?.S;
  const pk = s("pk");
  const identityId = s("identityId");
  if (!pk || !identityId) return undefined;
  return {
    pk,
    identityId,
    createdAt: s("createdAt") ?? "",
    lastLoginAt: s("lastLoginAt") ?? "",
    appId: s("appId") ?? "",
    openid: s("openid") ?? "",
    unionid: s("unionid"),
  };
}
