/**
 * A local HTTP server playing the login API for the smoke check's route steps, the real
 * transport connected to it, and what API Gateway's IAM authorizer does with a signed request.
 */
import { SignatureV4 } from "@smithy/signature-v4";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { httpTransport, Sha256, type LoginTransport } from "../../scripts/smokeLogin";

/** One request as the server saw it. */
export interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export interface Answer {
  status: number;
  body: unknown;
}

export interface LocalApi {
  /** Every request received, in order; `reset` empties it. */
  readonly seen: Seen[];
  /** The real transport (node:http), sent to this server: the URL's host stays in `host`. */
  readonly transport: LoginTransport;
  reset(): void;
  close(): Promise<void>;
}

/** Starts the server on a loopback port; `answer` decides each response. */
export async function startLocalApi(answer: (req: Seen) => Promise<Answer>): Promise<LocalApi> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      seen.push(r);
      void answer(r).then(({ status, body }) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    seen,
    transport: (req, signal) =>
      httpTransport(
        { ...req, url: req.url.replace(/^https:\/\/[^/]+/, `http://127.0.0.1:${port}`) },
        signal,
      ),
    reset: () => void seen.splice(0),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * What API Gateway's IAM authorizer does: recompute the SigV4 signature (service execute-api,
 * `region`) with `credentials` and compare; false also for another key id, region or service.
 */
export async function signatureValid(
  r: Seen,
  region: string,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string },
): Promise<boolean> {
  const auth = String(r.headers.authorization ?? "");
  const scope = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(auth);
  if (scope?.[1] !== credentials.accessKeyId || scope[2] !== region) return false;
  if (scope[3] !== "execute-api") return false;
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(auth)?.[1]?.split(";") ?? [];
  const amzDate = String(r.headers["x-amz-date"] ?? "");
  const date = new Date(
    amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"),
  );
  const headers = Object.fromEntries(signedHeaders.map((h) => [h, String(r.headers[h] ?? "")]));
  const signer = new SignatureV4({ service: "execute-api", region, credentials, sha256: Sha256 });
  const expected = await signer.sign(
    {
      method: r.method,
      protocol: "https:",
      hostname: String(r.headers.host),
      path: r.path,
      query: {},
      headers,
      body: r.body,
    },
    { signingDate: date },
  );
  return expected.headers.authorization === auth;
}
