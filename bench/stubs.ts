/**
 * One loopback HTTP server standing in for every upstream of the login function, speaking the
 * wire protocols the real SDK clients and the WeChat call produce, so the bundle pays its real
 * serialization, signing and parsing costs:
 *   GET /sns/jscode2session                  WeChat (JSON body, text/plain like WeChat's)
 *   X-Amz-Target AWSCognitoIdentityService.*  Cognito Identity (awsJson1_1)
 *   X-Amz-Target DynamoDB_20120810.*          DynamoDB (awsJson1_0): Get/Put/UpdateItem with the
 *                                            condition and update expressions the function uses
 *   X-Amz-Target secretsmanager.*             Secrets Manager (awsJson1_1)
 *   form body Action=AssumeRoleWithWebIdentity STS (query protocol, XML reply)
 * Every AWS_ENDPOINT_URL_* points here. Each service has an injectable reply delay. Anything the
 * stub does not understand is a 400, so a changed function fails loudly instead of being timed on
 * error paths. Deliberately cheap per request: during the throughput run it must not be the
 * bottleneck (the bench prints its CPU use beside the figure).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer, type Server as TlsServer } from "node:https";
import type { AddressInfo } from "node:net";

export const SERVICES = ["wechat", "cognito", "dynamodb", "secrets", "sts"] as const;
export type Service = (typeof SERVICES)[number];
export type Delays = Record<Service, number>;
export const NO_DELAYS: Delays = { wechat: 0, cognito: 0, dynamodb: 0, secrets: 0, sts: 0 };

/** What the function is configured with (bench.ts puts these in its environment). */
export const FIXTURE = {
  region: "us-east-1",
  accountId: "123456789012",
  poolId: "us-east-1:6f1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d",
  provider: "login.wechat.bench",
  appId: "wx5e0c7a9d3b1f2468",
  appSecret: "bench-app-secret-0f1e2d3c4b5a6978",
  tableName: "wechat-login-mapping",
  secretName: "wechat-appsecret-AbCdEf",
} as const;

type Attr = Record<string, string>; // DynamoDB AttributeValue, only the S type is used
type Item = Record<string, Attr>;

interface DdbRequest {
  TableName?: string;
  Key?: Item;
  Item?: Item;
  UpdateExpression?: string;
  ConditionExpression?: string;
  ExpressionAttributeValues?: Item;
  ReturnValues?: string;
}

class StubError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
  ) {
    super(type);
  }
}

/** The condition forms the mapping adapter sends; anything else is a ValidationException. */
function conditionHolds(expr: string | undefined, item: Item | undefined, values: Item): boolean {
  if (expr === undefined) return true;
  let m = /^attribute_(not_)?exists\((\w+)\)$/.exec(expr.trim());
  if (m) return (item?.[m[2] ?? ""] !== undefined) !== (m[1] !== undefined);
  m = /^(\w+) = (:\w+)$/.exec(expr.trim());
  if (m) return item?.[m[1] ?? ""]?.["S"] === values[m[2] ?? ""]?.["S"];
  throw new StubError(400, "ValidationException");
}

function applySet(expr: string | undefined, item: Item, values: Item): void {
  const m = /^SET (.+)$/.exec(expr?.trim() ?? "");
  if (!m?.[1]) throw new StubError(400, "ValidationException");
  for (const clause of m[1].split(",")) {
    const [name, ref] = clause.split("=").map((s) => s.trim());
    const value = ref === undefined ? undefined : values[ref];
    if (!name || !value) throw new StubError(400, "ValidationException");
    item[name] = value;
  }
}

const b64url = (s: string) => Buffer.from(s).toString("base64url");
const JWT_HEADER = b64url(JSON.stringify({ kid: "us-east-1-bench", typ: "JWS", alg: "RS512" }));
/** RS512 over a 2048-bit key: 256 bytes, as long as Cognito's. */
const JWT_SIGNATURE = randomBytes(256).toString("base64url");
const SESSION_TOKEN = randomBytes(600).toString("base64");

export class Upstreams {
  delays: Delays = { ...NO_DELAYS };
  readonly counts: Record<Service, number> = { ...NO_DELAYS };
  url = "";
  private server: Server | TlsServer | undefined;
  private readonly identities = new Map<string, string>();
  private readonly table = new Map<string, Item>();

  /** Plain HTTP, or HTTPS with this key and certificate (the client must trust it). */
  async start(tls?: { key: string; cert: string }): Promise<this> {
    const listener = (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => this.route(req, Buffer.concat(chunks).toString("utf8"), res));
    };
    const server = tls ? createTlsServer(tls, listener) : createServer(listener);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.server = server;
    const port = (server.address() as AddressInfo).port;
    this.url = `${tls ? "https" : "http"}://127.0.0.1:${port}`;
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private route(req: IncomingMessage, body: string, res: ServerResponse): void {
    const target = String(req.headers["x-amz-target"] ?? "");
    const [service, reply] = ((): [Service | undefined, () => Reply] => {
      if (req.url?.startsWith("/sns/jscode2session")) return ["wechat", () => this.wechat(req)];
      if (target.startsWith("AWSCognitoIdentityService."))
        return ["cognito", () => this.cognito(req, target, body)];
      if (target.startsWith("DynamoDB_20120810."))
        return ["dynamodb", () => this.dynamodb(req, target, body)];
      if (target.startsWith("secretsmanager."))
        return ["secrets", () => this.secrets(req, target, body)];
      if (/(^|&)Action=/.test(body)) return ["sts", () => this.sts(req, body)];
      return [undefined, () => ({ status: 400, type: "text/plain", body: "unknown service" })];
    })();
    if (service) this.counts[service]++;
    let out: Reply;
    try {
      out = reply();
    } catch (err) {
      const e = err instanceof StubError ? err : new StubError(500, "InternalFailure");
      out = awsError(service, e);
    }
    const send = () => {
      res.writeHead(out.status, {
        "content-type": out.type,
        "content-length": Buffer.byteLength(out.body),
        "x-amzn-requestid": randomUUID(),
        ...(out.errorType ? { "x-amzn-errortype": out.errorType } : {}),
      });
      res.end(out.body);
    };
    const delay = service ? this.delays[service] : 0;
    if (delay > 0) setTimeout(send, delay);
    else send();
  }

  private wechat(req: IncomingMessage): Reply {
    const q = new URL(req.url ?? "/", "http://stub").searchParams;
    const text = (o: object): Reply => ({
      status: 200,
      type: "text/plain",
      body: JSON.stringify(o),
    });
    if (q.get("appid") !== FIXTURE.appId || q.get("secret") !== FIXTURE.appSecret)
      return text({ errcode: 40125, errmsg: "invalid appsecret" });
    // The code names the user: "<user>.<nonce>" (codes are single-use; the user is not).
    const user = (q.get("js_code") ?? "").split(".")[0];
    if (!user || q.get("grant_type") !== "authorization_code")
      return text({ errcode: 40029, errmsg: "invalid code" });
    return text({
      session_key: randomBytes(16).toString("base64"),
      openid: `o${user}`.padEnd(28, "x"),
      unionid: `u${user}`.padEnd(28, "x"),
    });
  }

  private cognito(req: IncomingMessage, target: string, body: string): Reply {
    signed(req, "cognito-identity");
    if (target !== "AWSCognitoIdentityService.GetOpenIdTokenForDeveloperIdentity")
      throw new StubError(400, "UnknownOperationException");
    const input = JSON.parse(body) as {
      IdentityPoolId?: string;
      IdentityId?: string;
      Logins?: Record<string, string>;
      TokenDuration?: number;
    };
    const user = input.Logins?.[FIXTURE.provider];
    if (input.IdentityPoolId !== FIXTURE.poolId)
      throw new StubError(400, "ResourceNotFoundException");
    if (!user) throw new StubError(400, "InvalidParameterException");
    let id = this.identities.get(user);
    if (input.IdentityId !== undefined) {
      if (id !== undefined && id !== input.IdentityId)
        throw new StubError(400, "ResourceConflictException");
      id = input.IdentityId;
    }
    id ??= `${FIXTURE.region}:${randomUUID()}`;
    this.identities.set(user, id);
    const iat = Math.floor(Date.now() / 1000);
    const payload = b64url(
      JSON.stringify({
        sub: id,
        aud: FIXTURE.poolId,
        amr: ["authenticated", FIXTURE.provider, `${FIXTURE.provider}:${FIXTURE.poolId}:${user}`],
        iss: "https://cognito-identity.amazonaws.com",
        exp: iat + (input.TokenDuration ?? 900),
        iat,
      }),
    );
    return awsJson("1.1", { IdentityId: id, Token: `${JWT_HEADER}.${payload}.${JWT_SIGNATURE}` });
  }

  private dynamodb(req: IncomingMessage, target: string, body: string): Reply {
    signed(req, "dynamodb");
    const input = JSON.parse(body) as DdbRequest;
    if (input.TableName !== FIXTURE.tableName)
      throw new StubError(400, "ResourceNotFoundException");
    const values = input.ExpressionAttributeValues ?? {};
    const op = target.slice("DynamoDB_20120810.".length);
    const pk = (op === "PutItem" ? input.Item : input.Key)?.["pk"]?.["S"];
    if (!pk) throw new StubError(400, "ValidationException");
    const current = this.table.get(pk);
    if (op === "GetItem") return awsJson("1.0", current ? { Item: current } : {});
    if (!conditionHolds(input.ConditionExpression, current, values))
      throw new StubError(400, "ConditionalCheckFailedException");
    if (op === "PutItem") {
      this.table.set(pk, { ...input.Item });
      return awsJson("1.0", {});
    }
    if (op !== "UpdateItem") throw new StubError(400, "UnknownOperationException");
    const next: Item = { ...current, pk: { S: pk } };
    applySet(input.UpdateExpression, next, values);
    this.table.set(pk, next);
    return awsJson("1.0", input.ReturnValues === "ALL_NEW" ? { Attributes: next } : {});
  }

  private secrets(req: IncomingMessage, target: string, body: string): Reply {
    signed(req, "secretsmanager");
    if (target !== "secretsmanager.GetSecretValue")
      throw new StubError(400, "UnknownOperationException");
    const { SecretId } = JSON.parse(body) as { SecretId?: string };
    if (!SecretId?.endsWith(`:secret:${FIXTURE.secretName}`))
      throw new StubError(400, "ResourceNotFoundException");
    return awsJson("1.1", {
      ARN: SecretId,
      Name: FIXTURE.secretName,
      SecretString: FIXTURE.appSecret,
      VersionId: randomUUID(),
      VersionStages: ["AWSCURRENT"],
      CreatedDate: Date.now() / 1000,
    });
  }

  private sts(req: IncomingMessage, body: string): Reply {
    // AssumeRoleWithWebIdentity is unsigned; the token is the proof.
    const form = new URLSearchParams(body);
    const role = form.get("RoleArn") ?? "";
    const session = form.get("RoleSessionName") ?? "";
    if (req.method !== "POST" || form.get("Action") !== "AssumeRoleWithWebIdentity")
      throw new StubError(400, "InvalidAction");
    if (!form.get("WebIdentityToken")?.startsWith(`${JWT_HEADER}.`))
      throw new StubError(400, "InvalidIdentityToken");
    if (!/^[\w+=,.@-]{2,64}$/.test(session)) throw new StubError(400, "ValidationError");
    const seconds = Number(form.get("DurationSeconds") ?? 3600);
    const expiration = new Date(Date.now() + seconds * 1000).toISOString();
    const xml =
      `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">` +
      `<AssumeRoleWithWebIdentityResult><Audience>${FIXTURE.poolId}</Audience>` +
      `<AssumedRoleUser><Arn>${role}/${session}</Arn><AssumedRoleId>AROABENCH:${session}</AssumedRoleId></AssumedRoleUser>` +
      `<Provider>cognito-identity.amazonaws.com</Provider><Credentials>` +
      `<AccessKeyId>ASIA${randomBytes(8).toString("hex").toUpperCase()}</AccessKeyId>` +
      `<SecretAccessKey>${randomBytes(30).toString("base64")}</SecretAccessKey>` +
      `<SessionToken>${SESSION_TOKEN}</SessionToken><Expiration>${expiration}</Expiration>` +
      `</Credentials><SubjectFromWebIdentityToken>sub</SubjectFromWebIdentityToken>` +
      `</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId>` +
      `</ResponseMetadata></AssumeRoleWithWebIdentityResponse>`;
    return { status: 200, type: "text/xml", body: xml };
  }
}

interface Reply {
  status: number;
  type: string;
  body: string;
  errorType?: string;
}

function awsJson(version: "1.0" | "1.1", o: object): Reply {
  return { status: 200, type: `application/x-amz-json-${version}`, body: JSON.stringify(o) };
}

function awsError(service: Service | undefined, e: StubError): Reply {
  if (service === "sts") {
    const body = `<ErrorResponse><Error><Type>Sender</Type><Code>${e.type}</Code><Message>stub</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
    return { status: e.status, type: "text/xml", body };
  }
  const version = service === "dynamodb" ? "1.0" : "1.1";
  return {
    status: e.status,
    type: `application/x-amz-json-${version}`,
    body: JSON.stringify({ __type: e.type, message: "stub" }),
    errorType: e.type,
  };
}

/** The SDK must have signed the call (SigV4 for this region and service). */
function signed(req: IncomingMessage, service: string): void {
  const auth = req.headers["authorization"] ?? "";
  if (
    !auth.startsWith("AWS4-HMAC-SHA256 ") ||
    !auth.includes(`/${FIXTURE.region}/${service}/aws4_request`)
  )
    throw new StubError(400, "MissingAuthenticationTokenException");
}
