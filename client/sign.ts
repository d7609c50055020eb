/**
 * SigV4 for the IAM-authorized login route (`login.auth: iam`), with the AWS SDK's own signer
 * (@smithy/signature-v4) over its pure-JS SHA-256 (mini-programs have no WebCrypto). The
 * mini-program build also swaps in the kit's UTF-8 (client/utf8.ts) for TextEncoder.
 */
import { Sha256Js } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import { parseUrl, type HttpRequest } from "./http";

export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

/**
 * Signs `request` for `service` in `region` at `signingDate`. The returned headers carry no
 * `host`: fetch and wx.request set it themselves, to the value signed here.
 */
export async function signRequest(
  request: HttpRequest,
  credentials: SigningCredentials,
  region: string,
  service: string,
  signingDate: Date,
): Promise<HttpRequest> {
  const u = parseUrl(request.url);
  const signer = new SignatureV4({
    service,
    region,
    credentials,
    sha256: Sha256Js,
    uriEscapePath: true,
    // No x-amz-content-sha256 header: only S3 wants it; API Gateway hashes the body itself.
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: u.protocol,
      hostname: u.hostname,
      port: u.port,
      path: u.path,
      query: u.query,
      headers: { ...request.headers, host: u.host },
      body: request.body,
    },
    { signingDate },
  );
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) if (k !== "host") headers[k] = v;
  return { ...request, headers };
}
