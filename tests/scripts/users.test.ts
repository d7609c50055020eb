/** `npm run users -- show|delete` over SDK clients backed by the Cognito model and a row map. */
import {
  CognitoIdentityClient,
  CognitoIdentityServiceException,
  DeleteIdentitiesCommand,
  DescribeIdentityCommand,
  LookupDeveloperIdentityCommand,
  UnlinkDeveloperIdentityCommand,
} from "@aws-sdk/client-cognito-identity";
import {
  DeleteItemCommand,
  DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  QueryCommand,
} from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { main } from "../../scripts/users";
import { CognitoIdentities } from "../functions/cognito-model";
import { captureIo, errLines } from "../support/cli";

const POOL = "cn-north-1:0f3c5c2e-1111-4222-8333-444455556666";
const OUTPUTS = JSON.stringify({
  region: "cn-north-1",
  identityPoolId: POOL,
  tableName: "users",
  developerProviderName: "login.wechat.myapp",
  authenticatedRoleArn: "ignored",
});
const APP = "wx0123456789abcdef";
const UNION = "wechat-union#u-alice-unionid";
const OPEN = `wechat-open#${APP}#o-alice-openid`;

const notFound = () =>
  new CognitoIdentityServiceException({
    name: "ResourceNotFoundException",
    $fault: "client",
    message: "not found",
    $metadata: { httpStatusCode: 400 },
  });

interface Row {
  pk: string;
  identityId: string;
  createdAt: string;
  lastLoginAt: string;
}

function world() {
  const model = new CognitoIdentities("cn-north-1");
  const rows = new Map<string, Row>();
  const cognito = mockClient(CognitoIdentityClient);
  const dynamo = mockClient(DynamoDBClient);
  cognito.on(LookupDeveloperIdentityCommand).callsFake(async (input) => {
    if (input.IdentityPoolId !== POOL) throw notFound();
    if (input.DeveloperUserIdentifier) {
      const id = model.byUser.get(input.DeveloperUserIdentifier);
      if (!id) throw notFound();
      return { IdentityId: id, DeveloperUserIdentifierList: [input.DeveloperUserIdentifier] };
    }
    if (!model.logins.has(input.IdentityId)) throw notFound();
    return {
      IdentityId: input.IdentityId,
      DeveloperUserIdentifierList: model.loginsOf(input.IdentityId),
    };
  });
  cognito.on(DescribeIdentityCommand).callsFake(async (input) => {
    if (!model.logins.has(input.IdentityId)) throw notFound();
    return { IdentityId: input.IdentityId, CreationDate: new Date("2026-01-01T00:00:00Z") };
  });
  cognito.on(UnlinkDeveloperIdentityCommand).callsFake(async (input) => {
    const r = model.unlink(input.DeveloperUserIdentifier, input.IdentityId);
    if (r !== "unlinked") throw notFound();
    return {};
  });
  cognito.on(DeleteIdentitiesCommand).callsFake(async (input) => {
    for (const id of input.IdentityIdsToDelete) model.delete(id);
    return { UnprocessedIdentityIds: [] };
  });
  dynamo.on(QueryCommand).callsFake(async (input) => ({
    Items: [...rows.values()]
      .filter((r) => r.identityId === input.ExpressionAttributeValues[":id"].S)
      .map((r) => ({ pk: { S: r.pk } })),
  }));
  dynamo.on(GetItemCommand).callsFake(async (input) => {
    const r = rows.get(input.Key.pk.S);
    return r
      ? {
          Item: {
            pk: { S: r.pk },
            identityId: { S: r.identityId },
            createdAt: { S: r.createdAt },
            lastLoginAt: { S: r.lastLoginAt },
          },
        }
      : {};
  });
  dynamo.on(DeleteItemCommand).callsFake(async (input) => {
    const r = rows.get(input.Key.pk.S);
    const want = input.ExpressionAttributeValues?.[":id"]?.S;
    if (r && want !== undefined && r.identityId !== want) {
      throw new DynamoDBServiceException({
        name: "ConditionalCheckFailedException",
        $fault: "client",
        message: "failed",
        $metadata: { httpStatusCode: 400 },
      });
    }
    rows.delete(input.Key.pk.S);
    return {};
  });
  const addUser = (pk: string, identityId?: string) => {
    const linked = model.link(pk, identityId);
    if (!("identityId" in linked)) throw new Error("fixture");
    rows.set(pk, {
      pk,
      identityId: linked.identityId,
      createdAt: "2026-01-01T00:00:00.000Z",
      lastLoginAt: "2026-02-03T04:05:06.000Z",
    });
    return linked.identityId;
  };
  const run = (...argv: string[]) => runWith(OUTPUTS, ...argv);
  const runWith = async (outputs: string, ...argv: string[]) => {
    const io = captureIo(outputs);
    const code = await main(argv, io, (region) => ({
      cognito: new CognitoIdentityClient({ region }),
      dynamodb: new DynamoDBClient({ region }),
    }));
    return { code, out: io.out.join(""), err: errLines(io) };
  };
  const restore = () => {
    cognito.restore();
    dynamo.restore();
  };
  return { model, rows, addUser, run, runWith, restore };
}

let w: ReturnType<typeof world>;
beforeEach(() => (w = world()));
afterEach(() => w.restore());

describe("npm run users -- show", () => {
  it("finds a user by unionid and prints login kinds and timestamps, no personal values", async () => {
    const id = w.addUser(UNION);
    w.addUser(OPEN, id);
    const { code, out } = await w.run("show", "--unionid", "u-alice-unionid");
    expect(code).toBe(0);
    expect(out).toContain(`identityId: ${id}`);
    expect(out).toContain("developer logins: 2");
    expect(out).toContain("  - unionid\n");
    expect(out).toContain(`  - openid of ${APP}\n`);
    expect(out).toContain("last login 2026-02-03T04:05:06.000Z");
    expect(out).not.toContain("u-alice-unionid");
    expect(out).not.toContain("o-alice-openid");
  });

  it("finds a user by AppID and openid, and reveals values only with --reveal", async () => {
    const id = w.addUser(OPEN);
    const plain = await w.run("show", "--app-id", APP, "--openid", "o-alice-openid");
    expect(plain.out).toContain(`identityId: ${id}`);
    expect(plain.out).not.toContain("o-alice-openid");
    const revealed = await w.run("show", "--identity-id", id, "--reveal");
    expect(revealed.code).toBe(0);
    expect(revealed.out).toContain(OPEN);
  });

  it("finds a user of any of the stack's apps, an OAuth app's too", async () => {
    const WEB = "wx3c9e0b7d25a4f618";
    const outputs = JSON.stringify({
      ...JSON.parse(OUTPUTS),
      loginAppIds: [APP],
      oauthAppIds: [WEB],
    });
    const web = w.addUser(`wechat-open#${WEB}#o-alice-web`);
    const found = await w.runWith(outputs, "show", "--app-id", WEB, "--openid", "o-alice-web");
    expect(found.code).toBe(0);
    expect(found.out).toContain(`identityId: ${web}`);
    expect(found.out).toContain(`  - openid of ${WEB}\n`);
    expect(found.err).toEqual([]);
    // An AppID the stack does not list is still looked up, with a note naming the stack's apps.
    const other = await w.runWith(
      outputs,
      "show",
      "--app-id",
      "wx00000000000000ff",
      "--openid",
      "o",
    );
    expect(other.code).toBe(1);
    expect(other.err).toEqual([
      `note: wx00000000000000ff is not one of this stack's apps (${APP}, ${WEB}); looking its user up anyway (a removed app's users keep their identities).`,
    ]);
  });

  it("exits 1 when Cognito knows no such user", async () => {
    const { code, out } = await w.run("show", "--unionid", "nobody");
    expect(code).toBe(1);
    expect(out).toContain("no identity");
  });
});

describe("npm run users -- delete", () => {
  it("deletes the identity, its logins and rows, leaves others, and is idempotent", async () => {
    const alice = w.addUser(UNION);
    w.addUser(OPEN, alice);
    const bob = w.addUser("wechat-union#u-bob");
    const first = await w.run("delete", "--unionid", "u-alice-unionid", "--yes");
    expect(first.code).toBe(0);
    expect(first.out).toContain(
      `deleted identity ${alice}: 2 developer login(s) unlinked, 2 row(s) deleted`,
    );
    expect(w.model.logins.has(alice)).toBe(false);
    expect([...w.rows.keys()]).toEqual(["wechat-union#u-bob"]);
    expect(w.model.loginsOf(bob)).toEqual(["wechat-union#u-bob"]);
    const again = await w.run("delete", "--identity-id", alice, "--yes");
    expect(again.code).toBe(0);
    expect(again.out).toContain("0 developer login(s) unlinked, 0 row(s) deleted");
  });
});

describe("npm run users: usage", () => {
  it("prints the usage for --help and exits 0", async () => {
    const { code, out } = await w.run("--help");
    expect(code).toBe(0);
    expect(out).toMatch(/^usage: /);
    expect((await w.run("show", "--help")).code).toBe(0);
  });

  it.each([
    [[], "no command"],
    [["list"], "unknown command list"],
    [["show"], "name exactly one user"],
    [
      [
        "show",
        "--unionid",
        "u",
        "--identity-id",
        "cn-north-1:0f3c5c2e-1111-4222-8333-444455556666",
      ],
      "exactly one",
    ],
    [["show", "--identity-id", "nope"], "--identity-id is not an IdentityId"],
    [["show", "--app-id", "wx1", "--openid", "o"], "--app-id must be a WeChat AppID"],
    [["show", "--app-id", APP], "--openid is required"],
    [["delete", "--unionid", "u"], "add --yes"],
    [["show", "--bogus"], "unknown option --bogus"],
    [
      ["show", "--identity-id", "us-east-1:0f3c5c2e-1111-4222-8333-444455556666"],
      "not an IdentityId of this stack's region",
    ],
  ])("refuses %j with one line and exit 2", async (argv, message) => {
    const { code, err } = await w.run(...argv);
    expect(code).toBe(2);
    expect(err).toHaveLength(1);
    expect(err[0]).toContain(message);
  });
});
