/**
 * Layout facts of the user mapping table that the stack (table, index, IAM) and the login
 * function both need.
 */

/** Global secondary index on `identityId` (keys only): which user rows name an identity. */
export const IDENTITY_INDEX = "byIdentityId";

/**
 * Per-client limiter counters (one item per client and minute): `pk` = `rate#<hash>#<window
 * start>`, `hits` (N), and this TTL attribute (epoch seconds), so DynamoDB deletes them.
 */
export const RATE_ITEM_PREFIX = "rate#";
export const TTL_ATTRIBUTE = "expiresAt";
/** Fixed window of the per-client limiter, seconds. */
export const CLIENT_LIMIT_WINDOW_SECONDS = 60;
