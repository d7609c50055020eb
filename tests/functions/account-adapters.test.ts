/** The account-deletion adapters' AWS calls: exact inputs, paging, and the tolerated errors. */
import {
  CognitoIdentityClient,
  CognitoIdentityServiceException,
  DeleteIdentitiesCommand,
  LookupDeveloperIdentityCommand,
  UnlinkDeveloperIdentityCommand,
} from "@aws-sdk/client-cognito-identity";
import {
  DeleteItemCommand,
  DynamoDBClient,
  DynamoDBServiceException,
  QueryCommand,
} from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { makeAccountIdentity, makeAccountTable } from "../../functions/account/adapters";
import { errorResponse } from "../../functions/login/http";

const signal = new AbortController().signal;
const POOL = "cn-north-1:0f3c5c2e-1111-4222-8333-444455556666";
const ID = "cn-north-1:6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d";
const cognitoError = (name: string, status: number) =>
  new CognitoIdentityServiceException({
    name,
    $fault: status >= 500 ? "server" : "client",
    message: "upstream text",
    $metadata: { httpStatusCode: status },
  });
const dynamoError = (name: string, status: number) =>
  new DynamoDBServiceException({
    name,
    $fault: status >= 500 ? "server" : "client",
    message: "upstream text",
    $metadata: { httpStatusCode: status },
  });
const statusOf = (p: Promise<unknown>) =>
  p.then(
    () => 200,
    (err: unknown) => errorResponse(err, "r").statusCode,
  );

describe("account identity adapter", () => {
  const mock = mockClient(CognitoIdentityClient);
  const port = makeAccountIdentity(new CognitoIdentityClient({ region: "cn-north-1" }), {
    identityPoolId: POOL,
    developerProviderName: "login.wechat",
  });
  afterEach(() => mock.reset());
  afterAll(() => mock.restore());

  it("lists every page of the identity's developer logins", async () => {
    mock
      .on(LookupDeveloperIdentityCommand)
      .resolvesOnce({ IdentityId: ID, DeveloperUserIdentifierList: ["a"], NextToken: "t" })
      .resolvesOnce({ IdentityId: ID, DeveloperUserIdentifierList: ["b"] });
    await expect(port.loginsOf(ID, signal)).resolves.toEqual(["a", "b"]);
    const inputs = mock.commandCalls(LookupDeveloperIdentityCommand).map((c) => c.args[0].input);
    expect(inputs).toEqual([
      { IdentityPoolId: POOL, IdentityId: ID, MaxResults: 60, NextToken: undefined },
      { IdentityPoolId: POOL, IdentityId: ID, MaxResults: 60, NextToken: "t" },
    ]);
  });

  it("treats an identity Cognito does not know as one without logins", async () => {
    mock.on(LookupDeveloperIdentityCommand).rejects(cognitoError("ResourceNotFoundException", 404));
    await expect(port.loginsOf(ID, signal)).resolves.toEqual([]);
  });

  it("unlinks with the pool, provider and IdentityId; an unlinked login is not an error", async () => {
    mock.on(UnlinkDeveloperIdentityCommand).resolves({});
    await port.unlink(ID, "wechat-union#u", signal);
    expect(mock.commandCalls(UnlinkDeveloperIdentityCommand)[0]?.args[0].input).toEqual({
      IdentityPoolId: POOL,
      IdentityId: ID,
      DeveloperProviderName: "login.wechat",
      DeveloperUserIdentifier: "wechat-union#u",
    });
    mock.on(UnlinkDeveloperIdentityCommand).rejects(cognitoError("ResourceNotFoundException", 404));
    await expect(port.unlink(ID, "wechat-union#u", signal)).resolves.toBeUndefined();
  });

  it("maps throttling to 429 and outages to 503", async () => {
    mock.on(UnlinkDeveloperIdentityCommand).rejects(cognitoError("TooManyRequestsException", 400));
    await expect(statusOf(port.unlink(ID, "x", signal))).resolves.toBe(429);
    mock.on(LookupDeveloperIdentityCommand).rejects(cognitoError("InternalErrorException", 500));
    await expect(statusOf(port.loginsOf(ID, signal))).resolves.toBe(503);
  });

  it("deletes exactly one identity and fails on an unprocessed one", async () => {
    mock.on(DeleteIdentitiesCommand).resolves({ UnprocessedIdentityIds: [] });
    await port.deleteIdentity(ID, signal);
    expect(mock.commandCalls(DeleteIdentitiesCommand)[0]?.args[0].input).toEqual({
      IdentityIdsToDelete: [ID],
    });
    mock
      .on(DeleteIdentitiesCommand)
      .resolves({ UnprocessedIdentityIds: [{ IdentityId: ID, ErrorCode: "InternalServerError" }] });
    await expect(statusOf(port.deleteIdentity(ID, signal))).resolves.toBe(503);
    mock
      .on(DeleteIdentitiesCommand)
      .resolves({ UnprocessedIdentityIds: [{ IdentityId: ID, ErrorCode: "AccessDenied" }] });
    await expect(statusOf(port.deleteIdentity(ID, signal))).resolves.toBe(500);
  });
});

describe("account table adapter", () => {
  const mock = mockClient(DynamoDBClient);
  const port = makeAccountTable(new DynamoDBClient({ region: "cn-north-1" }), "users");
  afterEach(() => mock.reset());
  afterAll(() => mock.restore());

  it("queries every page of the byIdentityId index for row keys", async () => {
    mock
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ pk: { S: "a" } }], LastEvaluatedKey: { pk: { S: "a" } } })
      .resolvesOnce({ Items: [{ pk: { S: "b" } }] });
    await expect(port.rowsOf(ID, signal)).resolves.toEqual(["a", "b"]);
    expect(mock.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
      TableName: "users",
      IndexName: "byIdentityId",
      KeyConditionExpression: "identityId = :id",
      ExpressionAttributeValues: { ":id": { S: ID } },
    });
  });

  it("deletes a row only while it names the identity", async () => {
    mock.on(DeleteItemCommand).resolves({});
    await expect(port.deleteRow("a", ID, signal)).resolves.toBe(true);
    expect(mock.commandCalls(DeleteItemCommand)[0]?.args[0].input).toEqual({
      TableName: "users",
      Key: { pk: { S: "a" } },
      ConditionExpression: "attribute_not_exists(pk) OR identityId = :id",
      ExpressionAttributeValues: { ":id": { S: ID } },
    });
    mock.on(DeleteItemCommand).rejects(dynamoError("ConditionalCheckFailedException", 400));
    await expect(port.deleteRow("a", ID, signal)).resolves.toBe(false);
  });

  it("deletes the guest claim item by its key", async () => {
    mock.on(DeleteItemCommand).resolves({});
    await port.deleteClaim(ID, signal);
    expect(mock.commandCalls(DeleteItemCommand)[0]?.args[0].input).toEqual({
      TableName: "users",
      Key: { pk: { S: `guest#${ID}` } },
    });
  });
});
