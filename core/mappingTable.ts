/**
 * Layout facts of the user mapping table that the stack (table, index, IAM) and the login
 * function both need.
 */

/** Global secondary index on `identityId` (keys only): which user rows name an identity. */
export const IDENTITY_INDEX = "byIdentityId";
