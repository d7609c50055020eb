/** The account-deletion adapters' AWS calls: exact inputs, paging, and the tolerated errors. */
import { makeAccountIdentity, makeAccountTable } from "../../functions/account/adapters";
import { errorResponse } from "../../functions/login/http";
import { FakeAwsClient, serviceError } from "./fake-aws-client";

const signal = new AbortController().signal;
const POOL = "cn-north-1:0f3c5c2e-1111-4222-8333-444455556666";
const ID = "cn-north-1:6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d";
const cognitoError = (name: string, status: number) => serviceError(name, status, "upstream text");
const dynamoError = cognitoError;
/** Answers the calls of one operation in turn (paging). */
const inTurn = (...replies: unknown[]) => {
  let i = 0;
  return async () => replies[Math.min(i++, replies.length - 1)];
};
const statusOf = (p: Promise<unknown>) =>
  p.then(
    () => 200,
    (err: unknown) => errorResponse(err, "r").statusCode,
  );

describe("account identity adapter", () => {
  const mock = new FakeAwsClient();
  const port = makeAccountIdentity(mock, {
    identityPoolId: POOL,
    developerProviderName: "login.wechat",
  });
  afterEach(() => mock.reset());

  it("lists every page of the identity's developer logins", async () => {
    mock
      .on("LookupDeveloperIdentity")
      .callsFake(
        inTurn(
          { IdentityId: ID, DeveloperUserIdentifierList: ["a"], NextToken: "t" },
          { IdentityId: ID, DeveloperUserIdentifierList: ["b"] },
        ),
      );
    await expect(port.loginsOf(ID, signal)).resolves.toEqual(["a", "b"]);
    const inputs = mock.inputs("LookupDeveloperIdentity");
    expect(inputs).toEqual([
      { IdentityPoolId: POOL, IdentityId: ID, MaxResults: 60, NextToken: undefined },
      { IdentityPoolId: POOL, IdentityId: ID, MaxResults: 60, NextToken: "t" },
    ]);
  });

  it("treats an identity Cognito does not know as one without logins", async () => {
    mock.on("LookupDeveloperIdentity").rejects(cognitoError("ResourceNotFoundException", 404));
    await expect(port.loginsOf(ID, signal)).resolves.toEqual([]);
  });

  it("unlinks with the pool, provider and IdentityId; an unlinked login is not an error", async () => {
    mock.on("UnlinkDeveloperIdentity").resolves({});
    await port.unlink(ID, "wechat-union#u", signal);
    expect(mock.inputs("UnlinkDeveloperIdentity")[0]).toEqual({
      IdentityPoolId: POOL,
      IdentityId: ID,
      DeveloperProviderName: "login.wechat",
      DeveloperUserIdentifier: "wechat-union#u",
    });
    mock.on("UnlinkDeveloperIdentity").rejects(cognitoError("ResourceNotFoundException", 404));
    await expect(port.unlink(ID, "wechat-union#u", signal)).resolves.toBeUndefined();
  });

  it("maps throttling to 429 and outages to 503", async () => {
    mock.on("UnlinkDeveloperIdentity").rejects(cognitoError("TooManyRequestsException", 400));
    await expect(statusOf(port.unlink(ID, "x", signal))).resolves.toBe(429);
    mock.on("LookupDeveloperIdentity").rejects(cognitoError("InternalErrorException", 500));
    await expect(statusOf(port.loginsOf(ID, signal))).resolves.toBe(503);
  });

  it("deletes exactly one identity and fails on an unprocessed one", async () => {
    mock.on("DeleteIdentities").resolves({ UnprocessedIdentityIds: [] });
    await port.deleteIdentity(ID, signal);
    expect(mock.inputs("DeleteIdentities")[0]).toEqual({
      IdentityIdsToDelete: [ID],
    });
    mock
      .on("DeleteIdentities")
      .resolves({ UnprocessedIdentityIds: [{ IdentityId: ID, ErrorCode: "InternalServerError" }] });
    await expect(statusOf(port.deleteIdentity(ID, signal))).resolves.toBe(503);
    mock
      .on("DeleteIdentities")
      .resolves({ UnprocessedIdentityIds: [{ IdentityId: ID, ErrorCode: "AccessDenied" }] });
    await expect(statusOf(port.deleteIdentity(ID, signal))).resolves.toBe(500);
  });
});

describe("account table adapter", () => {
  const mock = new FakeAwsClient();
  const port = makeAccountTable(mock, "users");
  afterEach(() => mock.reset());

  it("queries every page of the byIdentityId index for row keys", async () => {
    mock
      .on("Query")
      .callsFake(
        inTurn(
          { Items: [{ pk: { S: "a" } }], LastEvaluatedKey: { pk: { S: "a" } } },
          { Items: [{ pk: { S: "b" } }] },
        ),
      );
    await expect(port.rowsOf(ID, signal)).resolves.toEqual(["a", "b"]);
    expect(mock.inputs("Query")[0]).toMatchObject({
      TableName: "users",
      IndexName: "byIdentityId",
      KeyConditionExpression: "identityId = :id",
      ExpressionAttributeValues: { ":id": { S: ID } },
    });
  });

  it("deletes a row only while it names the identity", async () => {
    mock.on("DeleteItem").resolves({});
    await expect(port.deleteRow("a", ID, signal)).resolves.toBe(true);
    expect(mock.inputs("DeleteItem")[0]).toEqual({
      TableName: "users",
      Key: { pk: { S: "a" } },
      ConditionExpression: "attribute_not_exists(pk) OR identityId = :id",
      ExpressionAttributeValues: { ":id": { S: ID } },
    });
    mock.on("DeleteItem").rejects(dynamoError("ConditionalCheckFailedException", 400));
    await expect(port.deleteRow("a", ID, signal)).resolves.toBe(false);
  });

  it("deletes the guest claim item by its key", async () => {
    mock.on("DeleteItem").resolves({});
    await port.deleteClaim(ID, signal);
    expect(mock.inputs("DeleteItem")[0]).toEqual({
      TableName: "users",
      Key: { pk: { S: `guest#${ID}` } },
    });
  });
});
