/** AWS adapters of the account-deletion ports: Cognito Identity and the mapping table. */
import { IDENTITY_INDEX } from "../../core/mappingTable";
import type { JsonClient } from "../login/aws-client";
import { awsErrorName, classifyAwsError } from "../login/errors";
import { guestClaimKey } from "../login/mapping";
import type { AccountIdentityPort, AccountTablePort } from "./ports";

export interface AccountIdentityOptions {
  readonly identityPoolId: string;
  readonly developerProviderName: string;
}

/** LookupDeveloperIdentity page size (the API's maximum). */
const LOOKUP_PAGE = 60;

export function makeAccountIdentity(
  client: JsonClient,
  opts: AccountIdentityOptions,
): AccountIdentityPort {
  const upstream = "cognito-identity";
  return {
    async loginsOf(identityId, signal) {
      const logins: string[] = [];
      let nextToken: string | undefined;
      try {
        do {
          const out = await client.json<{
            IdentityId?: string;
            DeveloperUserIdentifierList?: string[];
            NextToken?: string;
          }>(
            "LookupDeveloperIdentity",
            {
              IdentityPoolId: opts.identityPoolId,
              IdentityId: identityId,
              MaxResults: LOOKUP_PAGE,
              NextToken: nextToken,
            },
            signal,
          );
          // A different IdentityId in the answer would be a login of another identity.
          if (out.IdentityId !== undefined && out.IdentityId !== identityId) break;
          logins.push(...(out.DeveloperUserIdentifierList ?? []));
          nextToken = out.NextToken;
        } while (nextToken);
      } catch (err) {
        if (awsErrorName(err) === "ResourceNotFoundException") return logins;
        throw classifyAwsError(upstream, err);
      }
      return logins;
    },

    async unlink(identityId, developerUserId, signal) {
      try {
        await client.json(
          "UnlinkDeveloperIdentity",
          {
            IdentityPoolId: opts.identityPoolId,
            IdentityId: identityId,
            DeveloperProviderName: opts.developerProviderName,
            DeveloperUserIdentifier: developerUserId,
          },
          signal,
        );
      } catch (err) {
        if (awsErrorName(err) === "ResourceNotFoundException") return; // already unlinked
        throw classifyAwsError(upstream, err);
      }
    },

    async deleteIdentity(identityId, signal) {
      let out: { UnprocessedIdentityIds?: { IdentityId?: string; ErrorCode?: string }[] };
      try {
        out = await client.json("DeleteIdentities", { IdentityIdsToDelete: [identityId] }, signal);
      } catch (err) {
        if (awsErrorName(err) === "ResourceNotFoundException") return;
        throw classifyAwsError(upstream, err);
      }
      // Per-identity failures come back in the body (ErrorCode AccessDenied|InternalServerError).
      const failed = out.UnprocessedIdentityIds?.find((u) => u.IdentityId === identityId);
      if (failed) {
        const name =
          failed.ErrorCode === "AccessDenied" ? "AccessDeniedException" : "InternalErrorException";
        throw classifyAwsError(upstream, { name, $fault: "server" });
      }
    },
  };
}

export function makeAccountTable(client: JsonClient, tableName: string): AccountTablePort {
  return {
    async rowsOf(identityId, signal) {
      const keys: string[] = [];
      let start: Record<string, unknown> | undefined;
      try {
        do {
          const out = await client.json<{
            Items?: Record<string, { S?: string }>[];
            LastEvaluatedKey?: Record<string, unknown>;
          }>(
            "Query",
            {
              TableName: tableName,
              IndexName: IDENTITY_INDEX,
              KeyConditionExpression: "identityId = :id",
              ExpressionAttributeValues: { ":id": { S: identityId } },
              ProjectionExpression: "pk",
              ExclusiveStartKey: start,
            },
            signal,
          );
          for (const item of out.Items ?? []) if (item["pk"]?.S) keys.push(item["pk"].S);
          start = out.LastEvaluatedKey;
        } while (start);
      } catch (err) {
        throw classifyAwsError("dynamodb", err);
      }
      return keys;
    },

    async deleteRow(pk, identityId, signal) {
      try {
        await client.json(
          "DeleteItem",
          {
            TableName: tableName,
            Key: { pk: { S: pk } },
            // Gone already, or still ours: never a row repaired to another identity.
            ConditionExpression: "attribute_not_exists(pk) OR identityId = :id",
            ExpressionAttributeValues: { ":id": { S: identityId } },
          },
          signal,
        );
        return true;
      } catch (err) {
        if (awsErrorName(err) === "ConditionalCheckFailedException") return false;
        throw classifyAwsError("dynamodb", err);
      }
    },

    async deleteClaim(identityId, signal) {
      try {
        await client.json(
          "DeleteItem",
          {
            TableName: tableName,
            Key: { pk: { S: guestClaimKey(identityId) } },
          },
          signal,
        );
      } catch (err) {
        throw classifyAwsError("dynamodb", err);
      }
    },
  };
}
