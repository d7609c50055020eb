/**
 * SigV4 as AWS checks it, for the stand-ins that sit in front of IAM (the API Gateway shim's IAM
 * authorizer, the S3 stand-in): the signature is recomputed with the AWS SDK's own signer
 * (@smithy/signature-v4 over Node's SHA-256) from the signed headers only, for the credentials the
 * emulator issued under that access key id, and compared.
 */
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import type { IssuedCredentials } from "./aws-emulator";

export interface RawRequest {
  method: string;
  /** Path and query as sent, e.g. `/app-data?list-type=2&prefix=users%2F`. */
  url: string;
  /** Lower-case names, as node:http gives them. */
  headers: Record<string, string>;
  body: string;
}

export type SigV4Result = { ok: true; issued: IssuedCredentials } | { ok: false; reason: string };

/** AWS refuses a signature dated more than 5 minutes off its clock. */
const MAX_SKEW_MS = 5 * 60_000;

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([A-Z0-9]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

function amzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(value);
  return m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`) : undefined;
}

export async function verifySigV4(
  req: RawRequest,
  expected: { service: string; region: string; now: number },
  lookup: (accessKeyId: string) => IssuedCredentials | undefined,
): Promise<SigV4Result> {
  const auth = req.headers["authorization"] ?? "";
  const m = AUTH.exec(auth);
  if (!m) return { ok: false, reason: "missing or malformed Authorization" };
  const [, keyId, day, region, service, signedHeaders] = m as unknown as string[];
  if (region !== expected.region || service !== expected.service)
    return { ok: false, reason: `credential scope ${region}/${service}` };
  const issued = lookup(keyId as string);
  if (!issued) return { ok: false, reason: "unknown access key" };
  if (issued.expiresAt <= expected.now) return { ok: false, reason: "expired credentials" };
  if (req.headers["x-amz-security-token"] !== issued.sessionToken)
    return { ok: false, reason: "session token does not match the access key" };
  const date = amzDate(req.headers["x-amz-date"] ?? "");
  if (!date || !(req.headers["x-amz-date"] as string).startsWith(day as string))
    return { ok: false, reason: "x-amz-date" };
  if (Math.abs(date.getTime() - expected.now) > MAX_SKEW_MS)
    return { ok: false, reason: "signature expired (clock skew)" };
  const signed = (signedHeaders as string).split(";");
  if (!signed.includes("host") || !signed.includes("x-amz-date"))
    return { ok: false, reason: "host and x-amz-date must be signed" };
  const headers: Record<string, string> = {};
  for (const h of signed) headers[h] = req.headers[h] ?? "";
  const q = req.url.indexOf("?");
  const rawPath = q < 0 ? req.url : req.url.slice(0, q);
  const query: Record<string, string> = {};
  new URLSearchParams(q < 0 ? "" : req.url.slice(q + 1)).forEach((v, k) => (query[k] = v));
  const recomputed = await new SignatureV4({
    service: service as string,
    region: region as string,
    // The session token is already among the signed headers.
    credentials: { accessKeyId: keyId as string, secretAccessKey: issued.secretAccessKey },
    sha256: Sha256,
    // S3 signs the path as sent; every other service escapes it once more.
    uriEscapePath: service !== "s3",
    applyChecksum: false,
  }).sign(
    {
      method: req.method,
      protocol: "https:",
      hostname: (headers["host"] as string).replace(/:\d+$/, ""),
      // S3's canonical path is the path as sent; the others' is escaped again from the decoded one.
      path: service === "s3" ? rawPath : decodeURIComponent(rawPath),
      query,
      headers,
      body: req.body,
    },
    { signingDate: date },
  );
  return recomputed.headers["authorization"] === auth
    ? { ok: true, issued }
    : { ok: false, reason: "signature mismatch" };
}
