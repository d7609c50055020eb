/**
 * DynamoDB adapter of the per-client limiter: a fixed-window counter per client in the mapping
 * table (docs/abuse-protection.md, "The per-client limiter"). One conditional UpdateItem per
 * login: `ADD hits 1` unless the window's count has reached the limit, with the TTL attribute set
 * so DynamoDB deletes the item after its window.
 */
import {
  CLIENT_LIMIT_WINDOW_SECONDS,
  RATE_ITEM_PREFIX,
  TTL_ATTRIBUTE,
} from "../../core/mappingTable";
import type { JsonClient } from "./aws-client";
import { awsErrorName, classifyAwsError } from "./errors";
import type { ClientLimiterPort, Deadline } from "./ports";

/** Kept past its window's end before TTL may delete it (deletion itself lags up to ~2 days). */
const EXPIRY_GRACE_SECONDS = 60;

export interface Window {
  /** Epoch seconds of the window's start: part of the counter's key. */
  readonly start: number;
  readonly end: number;
  /** Whole seconds from `now` to the window's end, at least 1: the Retry-After of a refusal. */
  readonly retryAfterSeconds: number;
}

export function windowOf(now: Date, windowSeconds = CLIENT_LIMIT_WINDOW_SECONDS): Window {
  const nowSeconds = now.getTime() / 1000;
  const start = Math.floor(nowSeconds / windowSeconds) * windowSeconds;
  const end = start + windowSeconds;
  return { start, end, retryAfterSeconds: Math.max(1, Math.ceil(end - nowSeconds)) };
}

export function makeClientLimiter(
  client: JsonClient,
  tableName: string,
  limit: number,
  windowSeconds = CLIENT_LIMIT_WINDOW_SECONDS,
): ClientLimiterPort {
  return {
    async admit(clientHash, now, signal) {
      const w = windowOf(now, windowSeconds);
      const pk = `${RATE_ITEM_PREFIX}${clientHash}#${w.start}`;
      const counted = await countHit(client, tableName, pk, limit, w.end + EXPIRY_GRACE_SECONDS, {
        signal,
      });
      return counted
        ? { admitted: true }
        : { admitted: false, retryAfterSeconds: w.retryAfterSeconds };
    },
  };
}

/**
 * The one DynamoDB call: add 1 to the counter `pk` unless it has reached `limit`. True if
 * counted, false if the limit was reached (the refused attempt is not counted).
 */
async function countHit(
  client: JsonClient,
  tableName: string,
  pk: string,
  limit: number,
  expiresAtSeconds: number,
  { signal }: { signal: Deadline },
): Promise<boolean> {
  try {
    await client.json(
      "UpdateItem",
      {
        TableName: tableName,
        Key: { pk: { S: pk } },
        UpdateExpression: "ADD #hits :one SET #expiresAt = :expiresAt",
        ConditionExpression: "attribute_not_exists(#hits) OR #hits < :limit",
        ExpressionAttributeNames: { "#hits": "hits", "#expiresAt": TTL_ATTRIBUTE },
        ExpressionAttributeValues: {
          ":one": { N: "1" },
          ":limit": { N: String(limit) },
          ":expiresAt": { N: String(expiresAtSeconds) },
        },
      },
      signal,
    );
    return true;
  } catch (err) {
    if (awsErrorName(err) === "ConditionalCheckFailedException") return false;
    throw classifyAwsError("dynamodb", err);
  }
}
