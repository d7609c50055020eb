/** The mapping adapter's guest-upgrade calls: the claim item and the index query. */
import { errorResponse } from "../../functions/login/http";
import { guestClaimKey, makeMappingTable } from "../../functions/login/mapping";
import { FakeAwsClient, serviceError } from "./fake-aws-client";

const signal = new AbortController().signal;
const G = "cn-north-1:6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d";
const failure = (name: string, status: number) => serviceError(name, status, "upstream text");
const statusOf = async (p: Promise<unknown>) =>
  p.then(
    () => 200,
    (err: unknown) => errorResponse(err, "r").statusCode,
  );

describe("guest claims in the mapping table", () => {
  const mock = new FakeAwsClient();
  const port = makeMappingTable(mock, "users");
  afterEach(() => mock.reset());

  it("claims with a conditional upsert that only a first or the same claimer passes", async () => {
    mock.on("UpdateItem").resolves({});
    await expect(
      port.claimGuest(G, "wechat-union#u1", "2026-01-01T00:00:00Z", signal),
    ).resolves.toBe(true);
    expect(mock.inputs("UpdateItem")[0]).toEqual({
      TableName: "users",
      Key: { pk: { S: `guest#${G}` } },
      UpdateExpression: "SET claimedBy = :me, claimedAt = if_not_exists(claimedAt, :now)",
      ConditionExpression: "attribute_not_exists(pk) OR claimedBy = :me",
      ExpressionAttributeValues: {
        ":me": { S: "wechat-union#u1" },
        ":now": { S: "2026-01-01T00:00:00Z" },
      },
    });
    expect(guestClaimKey(G)).toBe(`guest#${G}`);
  });

  it("reports a claim held by another user as false", async () => {
    mock.on("UpdateItem").rejects(failure("ConditionalCheckFailedException", 400));
    await expect(port.claimGuest(G, "wechat-union#u2", "now", signal)).resolves.toBe(false);
  });

  it("queries the byIdentityId index for at most two user keys", async () => {
    mock.on("Query").resolves({ Items: [{ pk: { S: "wechat-union#u1" } }, {}] });
    await expect(port.usersOfIdentity(G, signal)).resolves.toEqual(["wechat-union#u1"]);
    expect(mock.inputs("Query")[0]).toEqual({
      TableName: "users",
      IndexName: "byIdentityId",
      KeyConditionExpression: "identityId = :id",
      ExpressionAttributeValues: { ":id": { S: G } },
      ProjectionExpression: "pk",
      Limit: 2,
    });
  });

  it.each([
    ["ThrottlingException", 400, 429],
    ["InternalServerError", 500, 503],
    ["AccessDeniedException", 400, 500],
  ])("maps %s (HTTP %d) on the claim and on the query to %d", async (name, http, status) => {
    mock.on("UpdateItem").rejects(failure(name, http));
    mock.on("Query").rejects(failure(name, http));
    expect(await statusOf(port.claimGuest(G, "p", "now", signal))).toBe(status);
    expect(await statusOf(port.usersOfIdentity(G, signal))).toBe(status);
  });
});
