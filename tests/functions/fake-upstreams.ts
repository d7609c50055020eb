/**
 * Local HTTP fakes on 127.0.0.1 speaking the real wire protocols the bundled function uses:
 * WeChat jscode2session, Cognito Identity and Secrets Manager (awsJson1_1), STS (query/XML).
 */
import { randomUUID } from "node:crypto";
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { CreateTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { IDENTITY_INDEX } from "../../core/mappingTable";
import { CognitoIdentities } from "./cognito-model";
import { fakeJwt } from "./support";

export interface Started {
  url: string;
  close(): Promise<void>;
}

async function start(
  handler: (req: IncomingMessage, body: string, res: ServerResponse) => void,
): Promise<Started> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      try {
        handler(req, Buffer.concat(chunks).toString("utf8"), res);
      } catch {
        res.writeHead(500).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, status: number, contentType: string, body: string) {
  res.writeHead(status, { "content-type": contentType, "x-amzn-requestid": randomUUID() });
  res.end(body);
}

/** The OAuth exchange's tokens the WeChat fake hands out: they must never leave the function. */
export const OAUTH_TOKENS = {
  access_token: "int-oauth-access-token-ACCESS_5d41402a",
  refresh_token: "int-oauth-refresh-token-REFRESH_7d793037",
};

/**
 * jscode2session (mini-programs) and sns/oauth2/access_token (Open Platform OAuth apps), each for
 * the apps of its kind with their AppSecrets. Codes map to users or errcodes.
 */
export class FakeWechatServer {
  readonly users = new Map<string, { openid: string; unionid?: string } | { errcode: number }>();
  readonly secretsSeen = new Set<string>();
  /** AppID -> its kind and AppSecret. */
  readonly apps = new Map<string, { kind: "miniprogram" | "oauth"; secret: string }>();
  /** [path, appid] of every exchange. */
  readonly calls: [string, string][] = [];
  /** Milliseconds before each answer (a slow WeChat, e.g. across the border). */
  delayMs = 0;
  server!: Started;
  constructor(
    readonly appId: string,
    readonly appSecret: string,
    readonly sessionKey: string,
  ) {
    this.apps.set(appId, { kind: "miniprogram", secret: appSecret });
  }
  addApp(appId: string, kind: "miniprogram" | "oauth", secret: string): this {
    this.apps.set(appId, { kind, secret });
    return this;
  }
  async start() {
    this.server = await start((req, _body, res) => {
      if (this.delayMs > 0) setTimeout(() => this.answer(req, res), this.delayMs);
      else this.answer(req, res);
    });
    return this;
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://x");
    const kind =
      url.pathname === "/sns/jscode2session"
        ? "miniprogram"
        : url.pathname === "/sns/oauth2/access_token"
          ? "oauth"
          : undefined;
    if (req.method !== "GET" || kind === undefined) return send(res, 404, "text/plain", "");
    const reply = (body: unknown) => send(res, 200, "text/plain", JSON.stringify(body));
    const q = url.searchParams;
    this.secretsSeen.add(q.get("secret") ?? "");
    this.calls.push([url.pathname, q.get("appid") ?? ""]);
    if (q.get("grant_type") !== "authorization_code") return reply({ errcode: 40002 });
    const app = this.apps.get(q.get("appid") ?? "");
    if (!app || app.kind !== kind) return reply({ errcode: 40013, errmsg: "invalid appid" });
    if (q.get("secret") !== app.secret)
      return reply({ errcode: 40125, errmsg: "invalid appsecret" });
    const user = this.users.get(q.get(kind === "oauth" ? "code" : "js_code") ?? "");
    if (!user) return reply({ errcode: 40029, errmsg: "invalid code" });
    if ("errcode" in user) return reply({ ...user, errmsg: "err" });
    if (kind === "oauth") {
      return reply({ ...OAUTH_TOKENS, expires_in: 7200, scope: "snsapi_userinfo", ...user });
    }
    reply({ ...user, session_key: this.sessionKey });
  }
}

/** Signed-request check: the SDK must sign Cognito and Secrets Manager calls with SigV4. */
function sigv4(req: IncomingMessage, region: string, service: string): boolean {
  const auth = req.headers["authorization"] ?? "";
  return (
    auth.startsWith("AWS4-HMAC-SHA256 ") && auth.includes(`/${region}/${service}/aws4_request`)
  );
}

function amzJsonError(res: ServerResponse, status: number, type: string, message: string) {
  res.setHeader("x-amzn-errortype", type);
  send(res, status, "application/x-amz-json-1.1", JSON.stringify({ __type: type, message }));
}

/** GetOpenIdTokenForDeveloperIdentity over the wire, on a Cognito-like model (cognito-model.ts). */
export class FakeCognitoServer {
  readonly model: CognitoIdentities;
  readonly tokens: string[] = [];
  readonly requests: Record<string, unknown>[] = [];
  server!: Started;
  constructor(
    readonly region: string,
    readonly poolId: string,
    readonly providerName: string,
  ) {
    this.model = new CognitoIdentities(region);
  }
  /** Developer user id -> IdentityId, as Cognito keeps it. */
  get identities(): Map<string, string> {
    return this.model.byUser;
  }
  async start() {
    this.server = await start((req, body, res) => {
      const target = req.headers["x-amz-target"];
      if (!sigv4(req, this.region, "cognito-identity"))
        return amzJsonError(res, 400, "NotAuthorizedException", "unsigned");
      if (target === "AWSCognitoIdentityService.MergeDeveloperIdentities") {
        const merge = JSON.parse(body) as Record<string, string | undefined>;
        this.requests.push(merge);
        if (merge["IdentityPoolId"] !== this.poolId)
          return amzJsonError(res, 400, "ResourceNotFoundException", "pool");
        if (merge["DeveloperProviderName"] !== this.providerName)
          return amzJsonError(res, 400, "InvalidParameterException", "provider");
        const merged = this.model.merge(
          merge["SourceUserIdentifier"] ?? "",
          merge["DestinationUserIdentifier"] ?? "",
        );
        if ("refused" in merged) return amzJsonError(res, 400, merged.refused, "refused");
        return send(res, 200, "application/x-amz-json-1.1", JSON.stringify(merged));
      }
      const account = this.accountOperation(String(target), JSON.parse(body) as Json);
      if (account) return send(res, 200, "application/x-amz-json-1.1", JSON.stringify(account));
      if (account === null) return amzJsonError(res, 400, "ResourceNotFoundException", "gone");
      if (target !== "AWSCognitoIdentityService.GetOpenIdTokenForDeveloperIdentity") {
        return amzJsonError(res, 400, "UnknownOperationException", "unknown");
      }
      const input = JSON.parse(body) as {
        IdentityPoolId?: string;
        IdentityId?: string;
        Logins?: Record<string, string>;
        TokenDuration?: number;
      };
      this.requests.push(input);
      if (input.IdentityPoolId !== this.poolId)
        return amzJsonError(res, 400, "ResourceNotFoundException", "pool");
      const user = input.Logins?.[this.providerName];
      if (!user || Object.keys(input.Logins ?? {}).length !== 1)
        return amzJsonError(res, 400, "InvalidParameterException", "logins");
      const result = this.model.link(user, input.IdentityId);
      if ("refused" in result) return amzJsonError(res, 400, result.refused, "refused");
      const id = result.identityId;
      const now = Math.floor(Date.now() / 1000);
      const token = fakeJwt({
        iss: `https://cognito-identity.${this.region.startsWith("cn-") ? `${this.region}.amazonaws.com.cn` : "amazonaws.com"}`,
        sub: id,
        aud: this.poolId,
        amr: ["authenticated", this.providerName],
        iat: now,
        exp: now + (input.TokenDuration ?? 900),
      });
      this.tokens.push(token);
      send(
        res,
        200,
        "application/x-amz-json-1.1",
        JSON.stringify({ IdentityId: id, Token: token }),
      );
    });
    return this;
  }

  /**
   * The account-deletion calls (functions/account) on the same model: LookupDeveloperIdentity
   * by IdentityId (one page), UnlinkDeveloperIdentity, DeleteIdentities. Undefined for another
   * operation, null for an unknown identity or login (ResourceNotFoundException).
   */
  private accountOperation(target: string, input: Json): Json | null | undefined {
    const op = target.slice("AWSCognitoIdentityService.".length);
    if (op === "DeleteIdentities") {
      for (const id of (input["IdentityIdsToDelete"] ?? []) as string[]) this.model.delete(id);
      return { UnprocessedIdentityIds: [] };
    }
    if (op !== "LookupDeveloperIdentity" && op !== "UnlinkDeveloperIdentity") return undefined;
    this.requests.push(input);
    const id = String(input["IdentityId"] ?? "");
    if (input["IdentityPoolId"] !== this.poolId || !this.model.logins.has(id)) return null;
    if (op === "LookupDeveloperIdentity") {
      return { IdentityId: id, DeveloperUserIdentifierList: this.model.loginsOf(id) };
    }
    const unlinked = this.model.unlink(String(input["DeveloperUserIdentifier"] ?? ""), id);
    return unlinked === "unlinked" ? {} : null;
  }
}

type Json = Record<string, unknown>;

export class FakeSecretsServer {
  reads = 0;
  /** SecretId -> SecretString. */
  readonly secrets = new Map<string, string>();
  server!: Started;
  constructor(
    readonly region: string,
    readonly secretId: string,
    readonly value: string,
  ) {
    this.secrets.set(secretId, value);
  }
  async start() {
    this.server = await start((req, body, res) => {
      if (req.headers["x-amz-target"] !== "secretsmanager.GetSecretValue")
        return amzJsonError(res, 400, "UnknownOperationException", "op");
      if (!sigv4(req, this.region, "secretsmanager"))
        return amzJsonError(res, 400, "AccessDeniedException", "unsigned");
      const { SecretId } = JSON.parse(body) as { SecretId?: string };
      const value = this.secrets.get(SecretId ?? "");
      if (value === undefined)
        return amzJsonError(res, 400, "ResourceNotFoundException", "no such secret");
      this.reads++;
      send(
        res,
        200,
        "application/x-amz-json-1.1",
        JSON.stringify({
          ARN: SecretId,
          Name: "wechat",
          SecretString: value,
          VersionId: randomUUID(),
          CreatedDate: Date.now() / 1000,
        }),
      );
    });
    return this;
  }
}

export class FakeStsServer {
  readonly calls: URLSearchParams[] = [];
  server!: Started;
  constructor(
    readonly credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string },
    readonly knownTokens: () => string[],
  ) {}
  async start() {
    this.server = await start((req, body, res) => {
      const form = new URLSearchParams(body);
      this.calls.push(form);
      const xmlError = (code: string) =>
        send(
          res,
          400,
          "text/xml",
          `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>no</Message></Error><RequestId>r</RequestId></ErrorResponse>`,
        );
      if (
        req.method !== "POST" ||
        form.get("Action") !== "AssumeRoleWithWebIdentity" ||
        form.get("Version") !== "2011-06-15"
      )
        return xmlError("InvalidAction");
      if (!this.knownTokens().includes(form.get("WebIdentityToken") ?? ""))
        return xmlError("InvalidIdentityToken");
      if (!/^[\w+=,.@-]{2,64}$/.test(form.get("RoleSessionName") ?? ""))
        return xmlError("ValidationError");
      const expiration = new Date(
        Date.now() + Number(form.get("DurationSeconds") ?? 3600) * 1000,
      ).toISOString();
      const c = this.credentials;
      send(
        res,
        200,
        "text/xml",
        `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>sub</SubjectFromWebIdentityToken>
    <Audience>aud</Audience>
    <AssumedRoleUser><Arn>${form.get("RoleArn")}/${form.get("RoleSessionName")}</Arn><AssumedRoleId>AROAFAKE:${form.get("RoleSessionName")}</AssumedRoleId></AssumedRoleUser>
    <Credentials>
      <AccessKeyId>${c.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${c.secretAccessKey}</SecretAccessKey>
      <SessionToken>${c.sessionToken}</SessionToken>
      <Expiration>${expiration}</Expiration>
    </Credentials>
    <Provider>cognito-identity.amazonaws.com</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>`,
      );
    });
    return this;
  }
}

/** Accepts connections and reads requests, but never answers (a hung upstream). */
export async function startHanging(): Promise<Started & { requests: () => number }> {
  let count = 0;
  const started = await start(() => {
    count++; // never respond
  });
  return { ...started, requests: () => count };
}

/** Passes a request (its body already read) on to `upstream`, and its answer back. */
export function forward(
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  upstream: string,
): void {
  const to = new URL(upstream);
  const fwd = httpRequest(
    { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  fwd.on("error", () => res.writeHead(502).end());
  fwd.end(body);
}

/**
 * One endpoint for every AWS service (for the generic AWS_ENDPOINT_URL): routes by X-Amz-Target
 * (Cognito Identity, DynamoDB, Secrets Manager; awsJson) or by `Action=` in a form body (STS).
 */
export async function startRouter(routes: {
  cognito: string;
  dynamodb: string;
  secrets: string;
  sts: string;
}): Promise<Started & { routed: string[] }> {
  const routed: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const target = String(req.headers["x-amz-target"] ?? "");
      const service = target.startsWith("AWSCognitoIdentityService.")
        ? "cognito"
        : target.startsWith("DynamoDB_")
          ? "dynamodb"
          : target.startsWith("secretsmanager.")
            ? "secrets"
            : /(^|&)Action=/.test(body.toString("utf8"))
              ? "sts"
              : undefined;
      if (service === undefined) {
        res.writeHead(400).end();
        return;
      }
      routed.push(service);
      forward(req, res, body, routes[service]);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    routed,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * An AWS endpoint that answers every request with one error: a throttling error by default
 * (awsJson `__type` for Cognito Identity / DynamoDB / Secrets Manager, query-protocol XML `Code`
 * for STS), or e.g. a 503. Counts the requests it answered.
 */
export async function startFailing(
  protocol: "json" | "query",
  type: string,
  status = 400,
): Promise<Started & { requests: () => number }> {
  let count = 0;
  const started = await start((_req, _body, res) => {
    count++;
    if (protocol === "json") return amzJsonError(res, status, type, "Rate exceeded");
    send(
      res,
      status,
      "text/xml",
      `<ErrorResponse><Error><Type>Sender</Type><Code>${type}</Code><Message>Rate exceeded</Message></Error><RequestId>r</RequestId></ErrorResponse>`,
    );
  });
  return { ...started, requests: () => count };
}

/**
 * The mapping table as infra/mappingTable.ts creates it: hash key `pk`, and the keys-only
 * `byIdentityId` index the guest-upgrade check queries.
 */
export async function createMappingTable(
  ddb: DynamoDBClient,
  tableName: string,
  projection: "KEYS_ONLY" | "ALL" = "KEYS_ONLY",
): Promise<void> {
  await ddb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "identityId", AttributeType: "S" },
      ],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      GlobalSecondaryIndexes: [
        {
          IndexName: IDENTITY_INDEX,
          KeySchema: [{ AttributeName: "identityId", KeyType: "HASH" }],
          Projection: { ProjectionType: projection },
        },
      ],
    }),
  );
}
