/** A loopback HTTP server for the e2e stand-ins: whole body in, one async answer out. */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { RawRequest } from "./sigv4";

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

export interface Served {
  /** `127.0.0.1:<port>` */
  readonly address: string;
  readonly url: string;
  close(): Promise<void>;
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(",") : v;
  return out;
}

export async function serve(handle: (req: RawRequest) => Promise<Reply> | Reply): Promise<Served> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw: RawRequest = {
        method: req.method ?? "GET",
        url: req.url ?? "/",
        headers: headersOf(req),
        body: Buffer.concat(chunks).toString("utf8"),
      };
      Promise.resolve()
        .then(() => handle(raw))
        .then(
          // Every stand-in dates its answers by the shared (possibly advanced) clock.
          (r) =>
            res.writeHead(r.status, { date: new Date().toUTCString(), ...r.headers }).end(r.body),
          () => res.writeHead(500).end(),
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    address,
    url: `http://${address}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
