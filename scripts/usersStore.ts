/**
 * What `npm run users` reads with the deployer's credentials: which identity a user key maps to
 * (Cognito is authoritative, the mapping row is a copy), the identity's logins and its rows.
 */
import {
  DeleteIdentitiesCommand,
  DescribeIdentityCommand,
  LookupDeveloperIdentityCommand,
  UnlinkDeveloperIdentityCommand,
  type CognitoIdentityClient,
} from "@aws-sdk/client-cognito-identity";
import {
  DeleteItemCommand,
  GetItemCommand,
  QueryCommand,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import {
  makeAccountIdentity as accountIdentityOver,
  makeAccountTable as accountTableOver,
} from "../functions/account/adapters";
import { sdkJsonClient } from "./sdkJsonClient";
import { OPENID_KEY_PREFIX, UNIONID_KEY_PREFIX } from "../functions/login/login";

export interface StackTarget {
  readonly region: string;
  readonly identityPoolId: string;
  readonly tableName: string;
  readonly developerProviderName: string;
}

export interface UserRow {
  readonly pk: string;
  readonly identityId: string | undefined;
  readonly createdAt: string | undefined;
  readonly lastLoginAt: string | undefined;
}

export interface IdentityReport {
  readonly identityId: string;
  /** False when Cognito does not know the identity (deleted, or never existed). */
  readonly exists: boolean;
  readonly creationDate: string | undefined;
  readonly lastModifiedDate: string | undefined;
  /** Developer user ids Cognito links to the identity. */
  readonly logins: string[];
  /** Mapping rows that name the identity. */
  readonly rows: UserRow[];
}

export interface Clients {
  readonly cognito: CognitoIdentityClient;
  readonly dynamodb: DynamoDBClient;
}

const signal = (): AbortSignal => AbortSignal.timeout(30_000);

/** The account-deletion adapters over the operator's SDK clients (their credential chain). */
export function makeAccountIdentity(
  cognito: CognitoIdentityClient,
  t: Parameters<typeof accountIdentityOver>[1],
) {
  return accountIdentityOver(
    sdkJsonClient(cognito, {
      LookupDeveloperIdentity: LookupDeveloperIdentityCommand,
      UnlinkDeveloperIdentity: UnlinkDeveloperIdentityCommand,
      DeleteIdentities: DeleteIdentitiesCommand,
    }),
    t,
  );
}

export function makeAccountTable(dynamodb: DynamoDBClient, tableName: string) {
  return accountTableOver(
    sdkJsonClient(dynamodb, { Query: QueryCommand, DeleteItem: DeleteItemCommand }),
    tableName,
  );
}

/** The IdentityId Cognito maps a developer user id to, or undefined if none. */
export async function identityOfLogin(
  clients: Clients,
  t: StackTarget,
  developerUserId: string,
): Promise<string | undefined> {
  try {
    const out = await clients.cognito.send(
      new LookupDeveloperIdentityCommand({
        IdentityPoolId: t.identityPoolId,
        DeveloperUserIdentifier: developerUserId,
        MaxResults: 1,
      }),
      { abortSignal: signal() },
    );
    return out.IdentityId;
  } catch (err) {
    if ((err as { name?: string }).name === "ResourceNotFoundException") return undefined;
    throw err;
  }
}

/** The identity, its logins and its rows, as Cognito and the table know them. */
export async function describeIdentity(
  clients: Clients,
  t: StackTarget,
  identityId: string,
): Promise<IdentityReport> {
  const identity = makeAccountIdentity(clients.cognito, t);
  const table = makeAccountTable(clients.dynamodb, t.tableName);
  const [described, logins, keys] = await Promise.all([
    clients.cognito
      .send(new DescribeIdentityCommand({ IdentityId: identityId }), { abortSignal: signal() })
      .catch((err: { name?: string }) => {
        if (err.name === "ResourceNotFoundException") return undefined;
        throw err;
      }),
    identity.loginsOf(identityId, signal()),
    table.rowsOf(identityId, signal()),
  ]);
  const rows = await Promise.all(keys.map((pk) => readRow(clients, t, pk)));
  return {
    identityId,
    exists: described !== undefined,
    creationDate: described?.CreationDate?.toISOString(),
    lastModifiedDate: described?.LastModifiedDate?.toISOString(),
    logins: logins.sort(),
    rows: rows.flatMap((r) => (r ? [r] : [])),
  };
}

export async function readRow(
  clients: Clients,
  t: StackTarget,
  pk: string,
): Promise<UserRow | undefined> {
  const out = await clients.dynamodb.send(
    new GetItemCommand({
      TableName: t.tableName,
      Key: { pk: { S: pk } },
      ProjectionExpression: "pk, identityId, createdAt, lastLoginAt",
      ConsistentRead: true,
    }),
    { abortSignal: signal() },
  );
  const item = out.Item;
  if (!item) return undefined;
  return {
    pk,
    identityId: item["identityId"]?.S,
    createdAt: item["createdAt"]?.S,
    lastLoginAt: item["lastLoginAt"]?.S,
  };
}

/** A developer user id as a kind, without its personal part: `unionid`, `openid of wx...`. */
export function loginKind(developerUserId: string): string {
  if (developerUserId.startsWith(UNIONID_KEY_PREFIX)) return "unionid";
  if (developerUserId.startsWith(OPENID_KEY_PREFIX)) {
    const appId = developerUserId.slice(OPENID_KEY_PREFIX.length).split("#", 1)[0];
    return `openid of ${appId}`;
  }
  return "other developer login";
}
