/**
 * One deployed stack, locally: its app config from `toAppConfig` (scripts/appConfig.ts) over
 * realistic `pulumi stack output --json`, the REAL bundled login function (infra/bundle.ts) loaded
 * with the environment the infra sets (infra/loginApi.ts), its mapping table in dynalite (with
 * the keys-only `byIdentityId` index), the AWS API emulator, WeChat, Secrets Manager and S3
 * stand-ins, and the API Gateway shim in front of the function.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as vm from "node:vm";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import type { LoginBundle } from "../../infra/bundle";
import type { LoginAuth, LoginFlow } from "../../core/vocabulary";
import type { AppConfig } from "../../core/appConfig";
import { arn } from "../../core/partition";
import { LOGIN_ROUTES } from "../../core/routes";
import { toAppConfig } from "../../scripts/appConfig";
import { createMappingTable, FakeSecretsServer } from "../functions/fake-upstreams";
import { ACCOUNT, deployedOutputs } from "../support/outputs";
import { ApiGatewayShim } from "./apigw";
import { AwsEmulator } from "./aws-emulator";
import { Device, type Network } from "./device";
import { startS3, WechatStandIn, type S3StandIn, type WechatUser } from "./stand-ins";

export const APP_SECRET = "e2e-app-secret-0f9e8d7c6b5a4932";
/** The stack's Open Platform OAuth app (a mobile or website app), beside the mini-program. */
export const OAUTH_APP = {
  appId: "wx1d2e3f4a5b6c7d8e",
  appSecret: "e2e-oauth-secret-8f14e45fceea167a",
};
export const FUNCTION_SECRET_KEY = "e2e-function-role-secret-access-key";

export interface StackSpec {
  readonly region: string;
  readonly flow: LoginFlow;
  readonly auth: LoginAuth;
  readonly guests: boolean;
  /** The login API's custom domain (China production path), if any. */
  readonly domain?: string;
}

export interface Stack {
  readonly spec: StackSpec;
  readonly config: AppConfig;
  readonly emulator: AwsEmulator;
  readonly wechat: WechatStandIn;
  readonly apigw: ApiGatewayShim;
  /** The OAuth login route (`POST /login/wechat/oauth`) on the login API's host. */
  readonly oauthUrl: URL;
  readonly s3: S3StandIn;
  /** A phone of `user`, with the mini-program installed. */
  device(user: WechatUser): Device;
  /** Mapping table rows, by pk. */
  rows(): Promise<Map<string, Record<string, string>>>;
  close(): Promise<void>;
}

// dynalite ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require("dynalite") as (opts: { createTableMs: number }) => Server;

export async function startDynamo(): Promise<{ url: string; close(): Promise<void> }> {
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Handler = ConstructorParameters<typeof ApiGatewayShim>[0]["handler"];

let seq = 0;

export async function startStack(
  spec: StackSpec,
  deps: { bundle: LoginBundle; miniprogram: string; dynamoUrl: string; tmp: string },
): Promise<Stack> {
  const n = ++seq;
  const outputs = deployedOutputs(spec.region, {
    loginFlow: spec.flow,
    loginAuth: spec.auth,
    ...(spec.guests ? {} : { guestRoleArn: undefined }),
    // Both routes, on the API's host or its custom domain, as infra/index.ts outputs them.
    ...(spec.domain
      ? {
          loginDomainName: spec.domain,
          loginUrl: `https://${spec.domain}${LOGIN_ROUTES.miniprogram.path}`,
        }
      : {}),
  });
  const host = new URL(outputs.loginUrl).origin;
  Object.assign(outputs, {
    oauthLoginUrl: `${host}${LOGIN_ROUTES.oauth.path}`,
    oauthAppIds: [OAUTH_APP.appId],
  });
  const config = toAppConfig(`e2e-${n}`, outputs);
  const emulator = await new AwsEmulator({
    region: spec.region,
    identityPoolId: outputs.identityPoolId,
    developerProviderName: outputs.developerProviderName,
    allowGuests: spec.guests,
    // As infra/index.ts sets it: guest signing and the basic flow need the classic flow.
    allowClassicFlow: spec.flow === "basic" || spec.auth === "iam",
    authenticatedRoleArn: outputs.authenticatedRoleArn,
    guestRoleArn: config.guestRoleArn,
  }).start();
  const wechat = await new WechatStandIn("wx8f3a61c2d94be705", APP_SECRET, OAUTH_APP).start();
  const secretArnOf = (name: string) =>
    arn(outputs, "secretsmanager", spec.region, ACCOUNT, `secret:${name}`);
  const secretArn = secretArnOf(`wechat-e2e${n}-AbCdEf`);
  const oauthSecretArn = secretArnOf(`wechat-oauth-e2e${n}-GhIjKl`);
  const secrets = new FakeSecretsServer(spec.region, secretArn, APP_SECRET);
  secrets.secrets.set(oauthSecretArn, OAUTH_APP.appSecret);
  await secrets.start();
  const tableName = `${outputs.tableName}-${n}`;
  const ddb = new DynamoDBClient({
    region: spec.region,
    endpoint: deps.dynamoUrl,
    credentials: { accessKeyId: "AKIDE2E", secretAccessKey: FUNCTION_SECRET_KEY },
  });
  await createMappingTable(ddb, tableName);

  // What infra/loginApi.ts sets, what Lambda adds (region, role credentials), and the local
  // endpoints (AWS_ENDPOINT_URL_*, WECHAT_API_BASE_URL) in place of the real services.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env["PATH"],
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    AWS_REGION: spec.region,
    AWS_ACCESS_KEY_ID: "ASIAE2EFUNCTIONROLE1",
    AWS_SECRET_ACCESS_KEY: FUNCTION_SECRET_KEY,
    AWS_SESSION_TOKEN: "e2e-function-session-token",
    AWS_ENDPOINT_URL_COGNITO_IDENTITY: emulator.server.url,
    AWS_ENDPOINT_URL_STS: emulator.server.url,
    AWS_ENDPOINT_URL_DYNAMODB: deps.dynamoUrl,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.server.url,
    WECHAT_API_BASE_URL: wechat.server.url,
    IDENTITY_POOL_ID: outputs.identityPoolId,
    DEVELOPER_PROVIDER_NAME: outputs.developerProviderName,
    TOKEN_DURATION_SECONDS: "3600",
    LOGINS_KEY: outputs.loginsKey,
    TABLE_NAME: tableName,
    // The mini-program first: it is the default app of the mini-program route.
    WECHAT_APPS: JSON.stringify([
      { appId: wechat.appId, kind: "miniprogram", secretArn },
      { appId: OAUTH_APP.appId, kind: "oauth", secretArn: oauthSecretArn },
    ]),
    USER_KEY: "unionid",
    POWERTOOLS_SERVICE_NAME: "wechat-login",
    POWERTOOLS_LOG_LEVEL: "INFO",
    // The stack name, as the `stack` dimension of the metrics the alarms read.
    METRICS_STACK: config.stack,
    ...(spec.flow === "basic"
      ? {
          AUTHENTICATED_ROLE_ARN: outputs.authenticatedRoleArn,
          CREDENTIALS_DURATION_SECONDS: "3600",
        }
      : {}),
  };
  const file = path.join(mkdtempSync(path.join(deps.tmp, `stack${n}-`)), deps.bundle.fileName);
  writeFileSync(file, deps.bundle.code);
  process.env = env;
  let loaded: Handler | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = (require(file) as { handler: Handler }).handler;
  });
  if (!loaded) throw new Error("the bundle exports no handler");
  const fn = loaded;
  // Several "Lambda containers" share this process: each invocation runs under its own
  // container's environment (the SDK reads AWS_ENDPOINT_URL_* lazily, at a client's first call).
  const handler: Handler = (event, context) => {
    process.env = env;
    return fn(event, context);
  };
  const loginUrl = new URL(config.login.url);
  if (!config.oauthLogin) throw new Error("the app config has no OAuth login route");
  const oauthUrl = new URL(config.oauthLogin.url);
  const apigw = await new ApiGatewayShim({
    region: spec.region,
    accountId: ACCOUNT,
    paths: [loginUrl.pathname, oauthUrl.pathname],
    auth: spec.auth,
    emulator,
    handler,
  }).start();
  const s3 = await startS3(emulator, spec.region);
  const hosts = new Map<string, string>([
    [loginUrl.hostname, apigw.server.address],
    [new URL(config.cognitoEndpoint).hostname, emulator.server.address],
    [new URL(config.stsEndpoint).hostname, emulator.server.address],
  ]);
  const net: Network = { hosts, allowList: new Set(hosts.keys()) };
  const build = new vm.Script(deps.miniprogram, { filename: "miniprogram.js" });
  return {
    spec,
    config,
    emulator,
    wechat,
    apigw,
    oauthUrl,
    s3,
    device: (user) => new Device(build, net, wechat, user),
    rows: async () => {
      const items =
        (await ddb.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }))).Items ??
        [];
      return new Map(
        items.map((i) => [
          i["pk"]?.S ?? "",
          Object.fromEntries(Object.entries(i).map(([k, v]) => [k, v.S ?? ""])),
        ]),
      );
    },
    close: async () => {
      ddb.destroy();
      await Promise.all([
        emulator.server.close(),
        wechat.server.close(),
        secrets.server.close(),
        apigw.server.close(),
        s3.close(),
      ]);
    },
  };
}
