/**
 * The backend verifier against a locally generated RSA key served as a JWKS on 127.0.0.1, with
 * tokens shaped like Cognito Identity's (iss, aud = pool, sub = IdentityId, amr), in both
 * partitions: the issuer comes from the partition table.
 */
import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createOpenIdTokenVerifier } from "../../client/verify";
import { POOL_UUID } from "./fakes";

const KID = "ap-northeast-1-7";
const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
const otherKeys = generateKeyPairSync("rsa", { modulusLength: 2048 });
let server: Server;
let jwksUri = "";
let fetches = 0;

beforeAll(async () => {
  const jwk = { ...keys.publicKey.export({ format: "jwk" }), kid: KID, alg: "RS256", use: "sig" };
  server = createServer((req, res) => {
    fetches++;
    if (req.url !== "/.well-known/jwks_uri") return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks_uri`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** aws-jwt-verify fetches over HTTPS only; the local JWKS server speaks HTTP. */
const httpFetcher = {
  fetch: async (uri: string) => (await fetch(uri)).arrayBuffer(),
};

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
function jwt(payload: Record<string, unknown>, key: KeyObject = keys.privateKey, kid = KID) {
  const head = `${b64({ kid, typ: "JWS", alg: "RS256" })}.${b64(payload)}`;
  return `${head}.${sign("sha256", Buffer.from(head), key).toString("base64url")}`;
}

describe.each([
  ["us-east-1", "https://cognito-identity.amazonaws.com"],
  ["cn-north-1", "https://cognito-identity.cn-north-1.amazonaws.com.cn"],
])("in %s", (region, issuer) => {
  const pool = `${region}:${POOL_UUID}`;
  const identityId = `${region}:7d3c1f2e-9a8b-4c6d-8e1f-0a2b3c4d5e6f`;
  const now = () => Math.floor(Date.now() / 1000);
  const claims = (over: Record<string, unknown> = {}) => ({
    iss: issuer,
    sub: identityId,
    aud: pool,
    amr: ["authenticated", "login.wechat", `login.wechat:${pool}:wechat-open#x`],
    iat: now(),
    exp: now() + 600,
    ...over,
  });
  const verifier = () =>
    createOpenIdTokenVerifier({ identityPoolId: pool, jwksUri, fetcher: httpFetcher });

  it("takes the issuer from the partition table and defaults the JWKS under it", () => {
    const v = createOpenIdTokenVerifier({ identityPoolId: pool });
    expect(v.issuer).toBe(issuer);
    expect(v.jwksUri).toBe(`${issuer}/.well-known/jwks_uri`);
  });

  it("returns the IdentityId of a valid token", async () => {
    await expect(verifier().verify(jwt(claims()))).resolves.toEqual({
      identityId,
      kind: "authenticated",
      expiresAt: expect.any(Number),
    });
  });

  it.each([
    ["another pool", { aud: `${region}:00000000-0000-4000-8000-000000000000` }],
    ["another issuer", { iss: "https://cognito-identity.amazonaws.com.evil" }],
    ["a guest", { amr: ["unauthenticated"] }],
    ["no amr", { amr: undefined }],
    ["expired", { exp: now() - 60 }],
    ["a sub of another region", { sub: `eu-west-1:7d3c1f2e-9a8b-4c6d-8e1f-0a2b3c4d5e6f` }],
  ])("rejects a token of %s", async (_what, over) => {
    await expect(verifier().verify(jwt(claims(over)))).rejects.toThrow();
  });

  it("rejects a token signed by another key, or altered", async () => {
    await expect(verifier().verify(jwt(claims(), otherKeys.privateKey))).rejects.toThrow();
    const [h, , s] = jwt(claims()).split(".");
    const forged = `${h}.${b64(claims({ sub: `${region}:11111111-2222-4333-8444-555555555555` }))}.${s}`;
    await expect(verifier().verify(forged)).rejects.toThrow();
  });

  it("accepts guests only when asked to", async () => {
    const v = createOpenIdTokenVerifier({
      identityPoolId: pool,
      jwksUri,
      fetcher: httpFetcher,
      amr: "unauthenticated",
    });
    await expect(v.verify(jwt(claims({ amr: ["unauthenticated"] })))).resolves.toMatchObject({
      kind: "unauthenticated",
    });
    await expect(v.verify(jwt(claims()))).rejects.toThrow(/not unauthenticated/);
  });
});

it("caches the JWKS across verifications", async () => {
  const pool = `us-east-1:${POOL_UUID}`;
  const v = createOpenIdTokenVerifier({ identityPoolId: pool, jwksUri, fetcher: httpFetcher });
  const t = jwt({
    iss: "https://cognito-identity.amazonaws.com",
    sub: `us-east-1:7d3c1f2e-9a8b-4c6d-8e1f-0a2b3c4d5e6f`,
    aud: pool,
    amr: ["authenticated"],
    exp: Math.floor(Date.now() / 1000) + 60,
  });
  const before = fetches;
  await v.verify(t);
  await v.verify(t);
  expect(fetches - before).toBe(1);
});
