/**
 * The kit's SigV4 (the SDK's signer over its pure-JS SHA-256) against the AWS SDK's own
 * configuration in Node (the same signer over Node's crypto) and AWS's published test vector,
 * and the kit's UTF-8 against TextEncoder.
 */
import type { HttpRequest } from "../../client/http";
import { signRequest } from "../../client/sign";
import { fromUtf8, toUtf8 } from "../../client/utf8";
import { sdkSign } from "./fakes";

const CREDS = {
  accessKeyId: "ASIAQNZGKIQY56JQ7WML",
  secretAccessKey: "u4Bq0kQh2D7mN/5zL8v+RkT9cYwXe3aPfG1sHjKo",
  sessionToken: "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+long/token==",
};

describe("SigV4 for the login route", () => {
  it("matches AWS's SigV4 test suite (get-vanilla)", async () => {
    const signed = await signRequest(
      { url: "https://example.amazonaws.com/", method: "GET", headers: {}, body: "" },
      { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
      "us-east-1",
      "service",
      new Date("2015-08-30T12:36:00Z"),
    );
    expect(signed.headers["authorization"]).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " +
        "SignedHeaders=host;x-amz-date, " +
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    );
  });

  it.each([
    [
      "us-east-1",
      "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/login/wechat",
      '{"code":"0a3Bc"}',
    ],
    ["cn-north-1", "https://login.example.cn/login/wechat", '{"code":"0a3Bc"}'],
    [
      "cn-north-1",
      "https://a1b2c3d4e5.execute-api.cn-north-1.amazonaws.com.cn/v1/login%20x?b=2&a=1",
      '{"code":"码-é-😀"}',
    ],
    ["us-east-1", "http://127.0.0.1:8123/login/wechat", ""],
  ])("signs like the AWS SDK in %s (%s)", async (region, url, body) => {
    const date = new Date("2026-01-15T08:00:00Z");
    const req: HttpRequest = {
      url,
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    };
    const ours = await signRequest(req, CREDS, region, "execute-api", date);
    const sdk = await sdkSign(req, region, CREDS, date);
    expect(ours.headers["authorization"]).toBe(sdk["authorization"]);
    expect(ours.headers["x-amz-security-token"]).toBe(CREDS.sessionToken);
    expect(ours.headers["host"]).toBeUndefined(); // the transport sets Host itself
  });
});

/** Strings of random UTF-16 code units (surrogates, lone ones too), from a fixed seed. */
function randomStrings(n: number): string[] {
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: n }, () =>
    String.fromCharCode(
      ...Array.from({ length: Math.floor(next() * 12) }, () =>
        next() < 0.5 ? Math.floor(next() * 0x800) : Math.floor(next() * 0x10000),
      ),
    ),
  );
}

describe("UTF-8 without TextEncoder", () => {
  it("encodes and decodes as TextEncoder/TextDecoder do, lone surrogates included", () => {
    const samples = [
      "",
      "ascii",
      "é",
      "码",
      "😀",
      "\ud800",
      "a\udc00b",
      "\ud83d\ude00\ud83d",
      ...randomStrings(500),
    ];
    for (const s of samples) {
      const bytes = fromUtf8(s);
      expect(bytes.join()).toBe(new TextEncoder().encode(s).join());
      expect(toUtf8(bytes)).toBe(new TextDecoder().decode(bytes));
    }
  });
});
