/**
 * The function's own AWS client (functions/login/aws-client.ts): the same requests and SigV4
 * signatures as the AWS SDK clients it replaced, error names parsed from real wire replies,
 * transient-only retries, timeouts, the invocation signal, endpoints in both partitions.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  CognitoIdentityClient,
  GetOpenIdTokenForDeveloperIdentityCommand,
} from "@aws-sdk/client-cognito-identity";
import {
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import {
  AwsClient,
  AwsServiceError,
  envCredentials,
  xmlText,
  type AwsRequest,
  type AwsTimeouts,
} from "../../functions/login/aws-client";
import { resolveEndpoint, type AwsService } from "../../functions/login/aws-endpoints";
import { makeCognitoIdentity } from "../../functions/login/cognito";
import { EnvError } from "../../functions/login/config";
import { ConfigError } from "../../functions/login/errors";
import { makeMappingTable } from "../../functions/login/mapping";
import {
  awsClient,
  COGNITO_TIMEOUTS,
  DYNAMODB_TIMEOUTS,
  SECRETS_TIMEOUTS,
  STS_TIMEOUTS,
} from "../../functions/login/runtime";
import { makeSecretGetter } from "../../functions/login/secrets";
import { makeStsCredentials } from "../../functions/login/sts";
import { FakeAwsClient } from "./fake-aws-client";
import { partition } from "./support";

const CREDS = {
  AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
  AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  AWS_SESSION_TOKEN: "IQoJb3JpZ2luX2VjEXAMPLE//token",
};
const SDK_CREDS = {
  accessKeyId: CREDS.AWS_ACCESS_KEY_ID,
  secretAccessKey: CREDS.AWS_SECRET_ACCESS_KEY,
  sessionToken: CREDS.AWS_SESSION_TOKEN,
};

interface Captured {
  hostname: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** The request an SDK client would put on the wire (signed), captured instead of sent. */
async function sdkRequest(
  Client: new (c: object) => { send(c: unknown): Promise<unknown> },
  command: unknown,
  region: string,
): Promise<Captured> {
  let captured: Captured | undefined;
  const requestHandler = {
    handle: async (req: Omit<Captured, "body"> & { body: unknown }) => {
      // The JSON protocols hand over bytes, the query protocol a string.
      const body =
        req.body instanceof Uint8Array
          ? Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength).toString()
          : String(req.body);
      captured = { ...req, body };
      throw new Error("captured");
    },
  };
  // A copy: the SDK annotates the credentials object it is given.
  const credentials = { ...SDK_CREDS };
  const client = new Client({ region, credentials, requestHandler, maxAttempts: 1 });
  await client.send(command).catch(() => undefined);
  if (!captured) throw new Error("the SDK sent nothing");
  return captured;
}

/** The (operation, input) an adapter sends, recorded through a fake client. */
async function adapterCall(run: (fake: FakeAwsClient) => Promise<unknown>, op: string) {
  const fake = new FakeAwsClient();
  fake.on(op).callsFake(() => {
    throw new Error("recorded");
  });
  await run(fake).catch(() => undefined);
  const input = fake.inputs(op)[0];
  if (!input) throw new Error(`no ${op} call`);
  return input;
}

const sdkDate = (amzDate: string) =>
  new Date(amzDate.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, "$1-$2-$3T$4:$5:$6Z"));

const never = new AbortController().signal;
const mapping = (c: FakeAwsClient) => makeMappingTable(c, "users");
const row = {
  pk: "wechat-union#u1",
  identityId: "cn-north-1:6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d",
  createdAt: "2026-01-01T00:00:00.000Z",
  lastLoginAt: "2026-01-01T00:00:00.000Z",
  appId: "wx1",
  openid: "o1",
  unionid: "u1",
};

/** Each hot-path operation: the adapter's call and the SDK command for the same input. */
const OPERATIONS: {
  name: string;
  service: AwsService;
  op: string;
  sdk: new (c: object) => { send(c: unknown): Promise<unknown> };
  command: (input: never) => unknown;
  run: (fake: FakeAwsClient) => Promise<unknown>;
}[] = [
  {
    name: "Cognito GetOpenIdTokenForDeveloperIdentity",
    service: "cognito-identity",
    op: "GetOpenIdTokenForDeveloperIdentity",
    sdk: CognitoIdentityClient,
    command: (i) => new GetOpenIdTokenForDeveloperIdentityCommand(i),
    run: (f) =>
      makeCognitoIdentity(f, {
        identityPoolId: "cn-north-1:6f1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d",
        developerProviderName: "login.wechat",
        tokenDurationSeconds: 900,
      }).getOpenIdToken(
        { developerUserId: "wechat-union#u1", principalTags: { app: "wx1" } },
        never,
      ),
  },
  {
    name: "DynamoDB UpdateItem",
    service: "dynamodb",
    op: "UpdateItem",
    sdk: DynamoDBClient,
    command: (i) => new UpdateItemCommand(i),
    run: (f) => mapping(f).touch("wechat-union#u1", "2026-01-01T00:00:00.000Z", never),
  },
  {
    name: "DynamoDB PutItem",
    service: "dynamodb",
    op: "PutItem",
    sdk: DynamoDBClient,
    command: (i) => new PutItemCommand(i),
    run: (f) => mapping(f).create(row, never),
  },
  {
    name: "DynamoDB Query",
    service: "dynamodb",
    op: "Query",
    sdk: DynamoDBClient,
    command: (i) => new QueryCommand(i),
    run: (f) => mapping(f).usersOfIdentity(row.identityId, never),
  },
  {
    name: "Secrets Manager GetSecretValue",
    service: "secretsmanager",
    op: "GetSecretValue",
    sdk: SecretsManagerClient,
    command: (i) => new GetSecretValueCommand(i),
    run: (f) => makeSecretGetter(f, "arn-of-the-secret")(),
  },
];

describe.each(["us-east-1", "cn-north-1"])(
  "requests and signatures equal the SDK's (%s)",
  (region) => {
    const client = (service: AwsService) =>
      new AwsClient({ service, region, timeouts: COGNITO_TIMEOUTS, env: CREDS });

    it.each(OPERATIONS)("$name", async ({ service, op, sdk, command, run }) => {
      const input = await adapterCall(run, op);
      const theirs = await sdkRequest(sdk, command(input as never), region);
      const mine = client(service).request(
        theirs.headers["content-type"] ?? "",
        JSON.stringify(input),
        { "x-amz-target": theirs.headers["x-amz-target"] ?? "" },
      );
      // Same wire request: host, path, protocol headers, body (the same JSON; the SDK writes the
      // members in model order, the adapters in theirs).
      expect([mine.hostname, mine.path]).toEqual([theirs.hostname, theirs.path]);
      expect(JSON.parse(mine.body)).toEqual(JSON.parse(theirs.body));
      for (const h of ["content-type", "x-amz-target", "content-length", "host"]) {
        expect([h, mine.headers[h]]).toEqual([h, theirs.headers[h]]);
      }
      // Same signature: sign our request (with the SDK's byte order of that JSON), plus the
      // headers only the SDK adds (and signs), at the SDK's time with the same credentials.
      mine.body = theirs.body;
      const extra = ["amz-sdk-invocation-id", "amz-sdk-request", "x-amz-user-agent", "user-agent"];
      for (const h of extra) mine.headers[h] = theirs.headers[h] ?? "";
      const signed = await client(service).sign(mine, sdkDate(theirs.headers["x-amz-date"] ?? ""));
      expect(signed.headers["authorization"]).toBe(theirs.headers["authorization"]);
      expect(signed.headers["x-amz-content-sha256"]).toBe(theirs.headers["x-amz-content-sha256"]);
      expect(signed.headers["x-amz-security-token"]).toBe(CREDS.AWS_SESSION_TOKEN);
      expect(signed.headers["authorization"]).toContain(`/${region}/${service}/aws4_request`);
    });

    it("STS AssumeRoleWithWebIdentity: the same unsigned form body as the SDK", async () => {
      const roleArn = `arn:${partition}${region.startsWith("cn-") ? "-cn" : ""}:iam::123456789012:role/auth`;
      const fake = new FakeAwsClient();
      fake.on("AssumeRoleWithWebIdentity").resolves("<x/>");
      await makeStsCredentials(fake, { roleArn, durationSeconds: 3600 })
        // RFC 3986's extra five (!'()*) escaped in the token, none in the other values.
        .assumeRole({ token: "eyJ.a-b_c.s1g!'()*", roleSessionName: "cn-north-1_6a5b" }, never)
        .catch(() => undefined);
      const params = fake.inputs("AssumeRoleWithWebIdentity")[0] as Record<string, string>;
      const theirs = await sdkRequest(
        STSClient,
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: params["RoleArn"],
          WebIdentityToken: params["WebIdentityToken"],
          RoleSessionName: params["RoleSessionName"],
          DurationSeconds: Number(params["DurationSeconds"]),
        }),
        region,
      );
      expect(theirs.headers["authorization"]).toBeUndefined(); // the SDK does not sign it either
      const server = await replying(() => [200, "text/xml", STS_REPLY]);
      try {
        const sts = new AwsClient({
          service: "sts",
          region,
          timeouts: STS_TIMEOUTS,
          env: { ...CREDS, AWS_ENDPOINT_URL_STS: server.url },
        });
        await sts.query("AssumeRoleWithWebIdentity", params, never);
        expect(server.requests[0]?.body).toBe(theirs.body);
        expect(server.requests[0]?.headers["authorization"]).toBeUndefined();
        expect(server.requests[0]?.headers["content-type"]).toBe(theirs.headers["content-type"]);
      } finally {
        await server.close();
      }
    });
  },
);

const STS_REPLY = `<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>
<Credentials><AccessKeyId>ASIAX</AccessKeyId><SecretAccessKey>s&amp;k</SecretAccessKey>
<SessionToken>t&#x2F;o</SessionToken><Expiration>2026-01-01T01:00:00Z</Expiration></Credentials>
</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>`;

interface Seen {
  headers: IncomingMessage["headers"];
  body: string;
}
type Reply = [number, string, string, Record<string, string>?] | "hang" | "stall-body";

/** A loopback server answering each request with `reply(n)` (n = 0, 1, ...). */
async function replying(reply: (n: number) => Reply) {
  const requests: Seen[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const n = requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
      const r = reply(n - 1);
      if (r === "hang") return;
      if (r === "stall-body") {
        res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
        res.write('{"Secret');
        return;
      }
      res.writeHead(r[0], { "content-type": r[1], ...r[3] }).end(r[2]);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const FAST: AwsTimeouts = {
  connectionTimeout: 200,
  requestTimeout: 150,
  socketTimeout: 150,
  maxAttempts: 3,
};

async function against(reply: (n: number) => Reply, service: AwsService = "dynamodb", t = FAST) {
  const server = await replying(reply);
  const client = new AwsClient({
    service,
    region: "us-east-1",
    timeouts: t,
    env: { ...CREDS, AWS_ENDPOINT_URL: server.url },
  });
  return { server, client };
}

const failure = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    return err as Error & { $metadata?: { httpStatusCode?: number }; code?: string };
  }
  throw new Error("expected a failure");
};

describe("error names from the wire", () => {
  const json = "application/x-amz-json-1.0";
  it.each<[string, Reply, string, number]>([
    [
      "x-amzn-errortype with a :suffix",
      [400, json, "{}", { "x-amzn-errortype": "TooManyRequestsException:http://internal/" }],
      "TooManyRequestsException",
      400,
    ],
    [
      "a namespaced __type (DynamoDB)",
      [
        400,
        json,
        '{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"secret-ish"}',
      ],
      "ConditionalCheckFailedException",
      400,
    ],
    [
      "a body `code`",
      [400, json, '{"code":"ResourceConflictException"}'],
      "ResourceConflictException",
      400,
    ],
    [
      "no name at all (a proxy page)",
      [502, "text/html", "<html>bad gateway</html>"],
      "HTTP502",
      502,
    ],
  ])("%s", async (_what, reply, name, status) => {
    const { server, client } = await against(() => reply, "dynamodb", { ...FAST, maxAttempts: 1 });
    try {
      const err = await failure(client.json("GetItem", {}, never));
      expect(err).toBeInstanceOf(AwsServiceError);
      expect([err.name, err.$metadata?.httpStatusCode]).toEqual([name, status]);
      expect(err.message).not.toContain("secret-ish"); // upstream messages are never copied
    } finally {
      await server.close();
    }
  });

  it("query protocol: the <Code> of the <Error>", async () => {
    const xml =
      "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>m</Message></Error></ErrorResponse>";
    const { server, client } = await against(() => [400, "text/xml", xml], "sts");
    try {
      const err = await failure(client.query("AssumeRoleWithWebIdentity", {}, never));
      expect(err.name).toBe("InvalidIdentityToken");
    } finally {
      await server.close();
    }
  });

  it("parses STS credentials with XML entities decoded", async () => {
    const { server, client } = await against(() => [200, "text/xml", STS_REPLY], "sts");
    try {
      const c = await makeStsCredentials(client, { roleArn: "r", durationSeconds: 900 }).assumeRole(
        { token: "t", roleSessionName: "s" },
        never,
      );
      expect(c).toEqual({
        accessKeyId: "ASIAX",
        secretAccessKey: "s&k",
        sessionToken: "t/o",
        expiration: "2026-01-01T01:00:00.000Z",
      });
      expect(xmlText("<a>&lt;&#65;&gt;</a>", "a")).toBe("<A>");
      // The first element of that name holding text only; no element, or no text: undefined.
      expect(xmlText("<a><b>1</b></a><a>2</a>", "a")).toBe("2");
      expect(xmlText("<ab>1</ab><a></a>", "a")).toBe("");
      expect(xmlText("<a>1<a>", "a")).toBeUndefined();
      expect(xmlText("<b>1</b>", "a")).toBeUndefined();
    } finally {
      await server.close();
    }
  });
});

describe("retries: transient errors only, bounded", () => {
  const json = "application/x-amz-json-1.0";
  it("retries 500/502/503/504 up to maxAttempts and succeeds when the service recovers", async () => {
    const { server, client } = await against((n) =>
      n < 2
        ? [[500, 503][n] ?? 500, json, '{"__type":"InternalServerError"}']
        : [200, json, '{"Item":{}}'],
    );
    try {
      await expect(client.json("GetItem", {}, never)).resolves.toEqual({ Item: {} });
      expect(server.requests).toHaveLength(3);
    } finally {
      await server.close();
    }
  });

  it.each<[string, Reply]>([
    ["throttling by name", [400, json, '{"__type":"ThrottlingException"}']],
    ["HTTP 429", [429, json, "{}"]],
    ["a 503 that names throttling", [503, json, '{"__type":"RequestLimitExceeded"}']],
    ["a client error", [400, json, '{"__type":"ValidationException"}']],
    ["a 501", [501, json, "{}"]],
  ])("never retries %s", async (_what, reply) => {
    const { server, client } = await against(() => reply);
    try {
      await failure(client.json("GetItem", {}, never));
      expect(server.requests).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it.each<[AwsService, number, AwsTimeouts]>([
    ["cognito-identity", 2, COGNITO_TIMEOUTS],
    ["dynamodb", 3, DYNAMODB_TIMEOUTS],
    ["secretsmanager", 2, SECRETS_TIMEOUTS],
  ])("the function's %s client makes %d attempts on a 503", async (service, n, t) => {
    const server = await replying(() => [503, json, "{}"]);
    const set = { ...CREDS, AWS_ENDPOINT_URL: server.url };
    const saved = Object.fromEntries(Object.keys(set).map((k) => [k, process.env[k]]));
    Object.assign(process.env, set);
    try {
      const client = awsClient(service, "us-east-1", t);
      await failure(client.json("GetItem", {}, never));
      expect(server.requests).toHaveLength(n);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await server.close();
    }
  });

  it("retries a refused connection (no HTTP response) and reports its code", async () => {
    const client = new AwsClient({
      service: "dynamodb",
      region: "us-east-1",
      timeouts: { ...FAST, maxAttempts: 2 },
      env: { ...CREDS, AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:9" },
    });
    const err = await failure(client.json("GetItem", {}, never));
    expect(err.code).toBe("ECONNREFUSED");
  });
});

describe("timeouts and the invocation signal", () => {
  it("times out a reply that never comes, per attempt, and retries it", async () => {
    const { server, client } = await against(() => "hang");
    try {
      const t0 = performance.now();
      const err = await failure(client.json("GetItem", {}, never));
      expect(err.name).toBe("TimeoutError");
      expect(server.requests).toHaveLength(3);
      expect(performance.now() - t0).toBeLessThan(3 * 150 + 700);
    } finally {
      await server.close();
    }
  });

  it("times out a body that stalls mid-way", async () => {
    const { server, client } = await against(() => "stall-body", "secretsmanager", {
      ...FAST,
      maxAttempts: 1,
    });
    try {
      expect((await failure(client.json("GetSecretValue", {}, never))).name).toBe("TimeoutError");
    } finally {
      await server.close();
    }
  });

  it("stops at the invocation signal, with no further attempt", async () => {
    const slow = { ...FAST, requestTimeout: 5000, socketTimeout: 5000 };
    const { server, client } = await against(() => "hang", "dynamodb", slow);
    try {
      const t0 = performance.now();
      const err = await failure(client.json("GetItem", {}, AbortSignal.timeout(100)));
      expect(err.name).toBe("AbortError");
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(server.requests).toHaveLength(1);
      await expect(client.json("GetItem", {}, AbortSignal.abort())).rejects.toMatchObject({
        name: "AbortError",
      });
      expect(server.requests).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});

describe("endpoints", () => {
  it.each<[AwsService, string, string]>([
    ["cognito-identity", "us-east-1", "https://cognito-identity.us-east-1.amazonaws.com/"],
    ["dynamodb", "eu-central-1", "https://dynamodb.eu-central-1.amazonaws.com/"],
    ["secretsmanager", "us-west-2", "https://secretsmanager.us-west-2.amazonaws.com/"],
    ["sts", "us-east-1", "https://sts.us-east-1.amazonaws.com/"],
    ["cognito-identity", "cn-north-1", "https://cognito-identity.cn-north-1.amazonaws.com.cn/"],
    ["dynamodb", "cn-north-1", "https://dynamodb.cn-north-1.amazonaws.com.cn/"],
    ["secretsmanager", "cn-northwest-1", "https://secretsmanager.cn-northwest-1.amazonaws.com.cn/"],
    ["sts", "cn-north-1", "https://sts.cn-north-1.amazonaws.com.cn/"],
  ])("%s in %s: %s", (service, region, url) => {
    expect(resolveEndpoint(service, region, {}).href).toBe(url);
  });

  it("honours AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, unless told to ignore both", () => {
    const env = {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: "http://127.0.0.1:4001",
      AWS_ENDPOINT_URL: "http://127.0.0.1:4000/base/",
    };
    expect(resolveEndpoint("secretsmanager", "us-east-1", env).href).toBe("http://127.0.0.1:4001/");
    expect(resolveEndpoint("cognito-identity", "us-east-1", env).href).toBe(
      "http://127.0.0.1:4000/base/",
    );
    expect(
      resolveEndpoint("sts", "cn-north-1", { ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" })
        .href,
    ).toBe("https://sts.cn-north-1.amazonaws.com.cn/");
  });

  it("fails at init on a bad endpoint variable or an unsupported region, naming it", () => {
    expect(() =>
      resolveEndpoint("sts", "us-east-1", { AWS_ENDPOINT_URL_STS: "not a url" }),
    ).toThrow(new EnvError("AWS_ENDPOINT_URL_STS is not a URL"));
    expect(() => resolveEndpoint("sts", "us-gov-west-1", {})).toThrow(EnvError);
  });
});

describe("signatures beyond the SDK clients' requests", () => {
  // The SDK's own signer with the options its clients use, over the SDK's node:crypto hash.
  const sdkSign = async (
    req: AwsRequest,
    service: AwsService,
    creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
    at: Date,
  ): Promise<Record<string, string>> =>
    (
      (await new SignatureV4({
        service,
        region: "cn-north-1",
        credentials: creds,
        sha256: Sha256,
        uriEscapePath: true,
        applyChecksum: true,
      }).sign({ ...req, headers: { ...req.headers } }, { signingDate: at })) as AwsRequest
    ).headers;

  it.each<[string, Record<string, string>, string]>([
    ["without a session token", { ...CREDS, AWS_SESSION_TOKEN: "" }, "http://127.0.0.1:4566"],
    ["under an endpoint path with odd characters", CREDS, "https://vpce.example/a b/./c/(x)/"],
    ["with a non-ASCII body", CREDS, "https://dynamodb.cn-north-1.amazonaws.com.cn"],
  ])("%s", async (_what, env, endpoint) => {
    const client = new AwsClient({
      service: "dynamodb",
      region: "cn-north-1",
      timeouts: DYNAMODB_TIMEOUTS,
      env: { ...env, AWS_ENDPOINT_URL_DYNAMODB: endpoint },
    });
    const req = client.request("application/x-amz-json-1.0", '{"k":"微信 ü"}', {
      "x-amz-target": "DynamoDB_20120810.GetItem",
    });
    const at = new Date("2026-03-04T05:06:07.089Z");
    const creds = envCredentials(env);
    const theirs = await sdkSign(
      req,
      "dynamodb",
      { ...creds, sessionToken: creds.sessionToken ?? "" },
      at,
    );
    const mine = client.sign(req, at).headers;
    expect(mine).toEqual(theirs);
  });
});

describe("credentials from the Lambda environment", () => {
  it("reads the role's keys and session token; missing keys are our misconfiguration", () => {
    expect(envCredentials(CREDS)).toEqual(SDK_CREDS);
    expect(envCredentials({ ...CREDS, AWS_SESSION_TOKEN: "" }).sessionToken).toBeUndefined();
    expect(() => envCredentials({ AWS_ACCESS_KEY_ID: "A" })).toThrow(ConfigError);
  });

  it("signs with them on every attempt, not once per client", async () => {
    const { server, client } = await against(() => [200, "application/x-amz-json-1.0", "{}"]);
    try {
      await client.json("GetItem", {}, never);
      expect(server.requests[0]?.headers["x-amz-security-token"]).toBe(CREDS.AWS_SESSION_TOKEN);
      expect(server.requests[0]?.headers["authorization"]).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/dynamodb\/aws4_request, /,
      );
    } finally {
      await server.close();
    }
  });
});

describe("the mapping adapter over the client, GetItem after a lost create", () => {
  it("reads back the winner's row with a consistent read", async () => {
    const json = "application/x-amz-json-1.0";
    const winner = { pk: { S: row.pk }, identityId: { S: "cn-north-1:winner" } };
    const { server, client } = await against((n) =>
      n === 0
        ? [
            400,
            json,
            '{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"}',
          ]
        : [200, json, JSON.stringify({ Item: winner })],
    );
    try {
      await expect(makeMappingTable(client, "users").create(row, never)).resolves.toMatchObject({
        identityId: "cn-north-1:winner",
      });
      expect(server.requests.map((r) => r.headers["x-amz-target"])).toEqual([
        "DynamoDB_20120810.PutItem",
        "DynamoDB_20120810.GetItem",
      ]);
      expect(JSON.parse(server.requests[1]?.body ?? "{}")).toMatchObject({ ConsistentRead: true });
    } finally {
      await server.close();
    }
  });
});
