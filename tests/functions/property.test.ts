import fc from "fast-check";
import { APP_SECRET, CONTEXT, POOL_ID, SESSION_KEY, expectNoSecrets, harness } from "./support";

/** Guest identities that exist in the fake Cognito: arbitrary users race to be linked to them. */
const GUESTS = [
  "us-east-1:0a0a0a0a-1b1b-4c2c-8d3d-4e4e4e4e4e4e",
  "us-east-1:1a1a1a1a-2b2b-4c3c-9d4d-5e5e5e5e5e5e",
  "us-east-1:2a2a2a2a-3b3b-4c4c-ad5d-6e6e6e6e6e6e",
];

const jsonish = fc.oneof(
  fc.string(),
  fc.json(),
  fc.record({
    code: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.string({ minLength: 200 })),
  }),
  fc.record({ code: fc.stringMatching(/^[A-Za-z0-9]{1,40}$/) }).map((o) => JSON.stringify(o)),
);

const body = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  jsonish.map((v) => (typeof v === "string" ? v : JSON.stringify(v))),
  fc.string({ maxLength: 6000 }),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a).toString("base64")),
  fc.integer(),
);

const requestContext = fc.oneof(
  fc.constant(undefined),
  fc.anything(),
  fc.record({
    requestId: fc.oneof(fc.string(), fc.integer()),
    authorizer: fc.oneof(
      fc.anything(),
      fc.record({
        iam: fc.record({
          cognitoIdentity: fc.record({
            amr: fc.oneof(
              fc.anything(),
              fc.array(fc.constantFrom("unauthenticated", "authenticated", "x")),
            ),
            identityId: fc.oneof(
              fc.string(),
              fc.uuid().map((u) => `us-east-1:${u}`),
              fc.constantFrom(...GUESTS),
              fc.anything(),
            ),
            identityPoolId: fc.oneof(
              fc.string(),
              fc.constant("us-east-1:0f3c5c2e-1111-4222-8333-444455556666"),
            ),
          }),
        }),
      }),
    ),
  }),
);

/** A well-formed login signed by one of GUESTS, for an arbitrary (few-valued) user. */
const guestLogin = fc
  .record({ code: fc.stringMatching(/^[a-d]{1,2}$/), guest: fc.constantFrom(...GUESTS) })
  .map(({ code, guest }) => ({
    body: JSON.stringify({ code }),
    requestContext: {
      authorizer: {
        iam: {
          cognitoIdentity: {
            amr: ["unauthenticated"],
            identityId: guest,
            identityPoolId: POOL_ID,
          },
        },
      },
    },
  }));

const event = fc.oneof(
  fc.anything(),
  guestLogin,
  fc.record(
    {
      body,
      isBase64Encoded: fc.oneof(fc.boolean(), fc.anything()),
      headers: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.anything()),
      requestContext,
    },
    { requiredKeys: [] },
  ),
);

describe.each(["enhanced", "basic"] as const)("the %s handler under arbitrary input", (flow) => {
  it("never throws, never answers 5xx, and always answers JSON with an error code on failure", async () => {
    const h = harness(flow);
    for (const g of GUESTS) h.cognito.model.createGuest(g);
    // Every well-formed code logs in (WeChat answers for any code in this fake).
    const get = h.wechat.codes.get.bind(h.wechat.codes);
    h.wechat.codes.get = (k: string) =>
      get(k) ?? { openid: `o_${Buffer.from(k).toString("hex").slice(0, 40) || "x"}` };
    await fc.assert(
      fc.asyncProperty(event, async (ev) => {
        const res = await h.handler(ev, CONTEXT);
        expect(res.statusCode).toBeLessThan(500);
        expect(res.headers["content-type"]).toBe("application/json");
        const parsed = JSON.parse(res.body) as Record<string, unknown>;
        if (res.statusCode !== 200) {
          expect(res.statusCode).toBe(400);
          const err = parsed["error"] as Record<string, unknown>;
          expect(err["code"]).toBe("INVALID_REQUEST");
          expect(typeof err["message"]).toBe("string");
          expect(err["requestId"]).toBe("aws-req-1");
        } else {
          expect(typeof parsed["identityId"]).toBe("string");
          if (flow === "basic") {
            expect(parsed["credentials"]).toMatchObject({ accessKeyId: expect.any(String) });
            expect(parsed["token"]).toBeUndefined();
          } else {
            expect(typeof parsed["token"]).toBe("string");
          }
        }
        if (flow === "enhanced") expectNoSecrets([res.body]);
        else for (const s of [APP_SECRET, SESSION_KEY]) expect(res.body).not.toContain(s);
      }),
      { numRuns: 300 },
    );
    expectNoSecrets([h.logger.text()], h.cognito.tokens);
    // Whatever happened, one user key still maps to exactly one identity in our table.
    const byPk = new Map([...h.mapping.rows].map(([pk, row]) => [pk, row.identityId]));
    expect(byPk.size).toBe(h.mapping.rows.size);
    // Every row names the identity Cognito maps its user to, and no identity carries two users,
    // though many users signed with the same few guest identities.
    for (const [pk, identityId] of byPk) expect(h.cognito.byUser.get(pk)).toBe(identityId);
    for (const [, users] of h.cognito.model.logins) expect(users.size).toBeLessThanOrEqual(1);
    expect(h.mapping.claims.size).toBeGreaterThan(0);
  });
});
