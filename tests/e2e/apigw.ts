/**
 * A local stand-in for the stack's HTTP API in front of the bundled login function: `POST
 * <login path>` becomes a payload-format-2.0 event, the handler's answer the HTTP response.
 *
 * With `auth: iam` it plays the IAM authorizer: the request's SigV4 (service `execute-api`, the
 * stack's region) is recomputed with the AWS SDK's own signer for the credentials the emulator
 * issued under that access key, and the caller must be allowed `execute-api:Invoke` on the route:
 * only the guest role grants it, and enhanced-flow guest credentials never have it (AWS's guest
 * session policy scopes them down: docs/guest-signing.md, "Which credentials can call an
 * IAM-authorized route"). The event then carries the caller's Cognito identity, as API Gateway
 * puts it in `requestContext.authorizer.iam.cognitoIdentity`.
 */
import { randomUUID } from "node:crypto";
import type { AwsEmulator } from "./aws-emulator";
import { serve, type Reply, type Served } from "./serve";
import { verifySigV4, type RawRequest } from "./sigv4";

type Handler = (
  event: unknown,
  context: unknown,
) => Promise<{ statusCode: number; headers?: Record<string, string>; body: string }>;

export interface ApiGatewayOptions {
  readonly region: string;
  readonly accountId: string;
  /** The routes' paths (each `POST <path>`, routeKey `POST <path>`). */
  readonly paths: readonly string[];
  readonly auth: "none" | "iam";
  readonly emulator: AwsEmulator;
  readonly handler: Handler;
}

export interface Forbidden {
  readonly reason: string;
}

export class ApiGatewayShim {
  readonly forbidden: Forbidden[] = [];
  /** Events handed to the function, in order. */
  readonly events: Record<string, unknown>[] = [];
  server!: Served;
  constructor(readonly o: ApiGatewayOptions) {}

  async start(): Promise<this> {
    this.server = await serve((req) => this.handle(req));
    return this;
  }

  private deny(reason: string): Reply {
    this.forbidden.push({ reason });
    return {
      status: 403,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message: "Forbidden" }),
    };
  }

  private async handle(req: RawRequest): Promise<Reply> {
    const o = this.o;
    const path = req.url.split("?")[0] ?? "";
    if (req.method !== "POST" || !o.paths.includes(path))
      return { status: 404, body: JSON.stringify({ message: "Not Found" }) };
    const requestId = randomUUID();
    const requestContext: Record<string, unknown> = {
      accountId: o.accountId,
      apiId: "a1b2c3d4e5",
      domainName: req.headers["host"],
      http: {
        method: "POST",
        path,
        protocol: "HTTP/1.1",
        sourceIp: "127.0.0.1",
        userAgent: req.headers["user-agent"] ?? "",
      },
      requestId,
      routeKey: `POST ${path}`,
      stage: "$default",
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    };
    if (o.auth === "iam") {
      const checked = await verifySigV4(
        req,
        { service: "execute-api", region: o.region, now: Date.now() },
        (k) => o.emulator.credentials.get(k),
      );
      if (!checked.ok) return this.deny(checked.reason);
      const c = checked.issued;
      if (c.amr !== "unauthenticated" || c.roleArn !== o.emulator.pool.guestRoleArn)
        return this.deny("the role grants no execute-api:Invoke on the route");
      if (c.flow === "enhanced")
        return this.deny("enhanced-flow guest session policy has no execute-api:Invoke");
      requestContext["authorizer"] = {
        iam: {
          accessKey: c.accessKeyId,
          accountId: o.accountId,
          callerId: `AROAEMULATOR:${c.identityId}`,
          cognitoIdentity: {
            amr: ["unauthenticated"],
            identityId: c.identityId,
            identityPoolId: o.emulator.pool.identityPoolId,
          },
          principalOrgId: null,
          userArn: c.roleArn,
          userId: `AROAEMULATOR:${c.identityId}`,
        },
      };
    }
    const event = {
      version: "2.0",
      routeKey: `POST ${path}`,
      rawPath: path,
      rawQueryString: req.url.includes("?") ? req.url.slice(req.url.indexOf("?") + 1) : "",
      headers: req.headers,
      requestContext,
      body: req.body,
      isBase64Encoded: false,
    };
    this.events.push(event);
    try {
      const res = await o.handler(event, {
        awsRequestId: randomUUID(),
        getRemainingTimeInMillis: () => 10_000,
      });
      return {
        status: res.statusCode,
        headers: { ...res.headers, "apigw-requestid": requestId },
        body: res.body,
      };
    } catch {
      return { status: 500, body: JSON.stringify({ message: "Internal Server Error" }) };
    }
  }
}
