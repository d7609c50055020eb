import * as apigatewayv2 from "@pulumi/aws/apigatewayv2";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as iam from "@pulumi/aws/iam";
import * as lambda from "@pulumi/aws/lambda";
import * as pulumi from "@pulumi/pulumi";
import { buildLoginBundle, type LoginBundle } from "./bundle";
import { toJson } from "./iam/document";
import { loginFunctionPolicy } from "./iam/login";
import {
  ICP_FILING_TAG,
  type ClientKey,
  type LoginAuth,
  type LoginFlow,
  type UserKey,
  WECHAT_APP_KINDS,
} from "../core/vocabulary";
import { METRICS_STACK_ENV } from "../core/metrics";
import { functionBase } from "./functionBase";
import { lambdaRoute } from "./lambdaRoute";
import { NAME_LIMITS, physicalName } from "./naming";
import { wechatSecrets, type WechatAppArgs } from "./wechatSecrets";
import { arns, httpApiEndpoint, type DeployTarget } from "../core/partition";
import { LOGIN_ROUTES, type LoginRouteKind } from "../core/routes";

/** Lambda runtime of the login function (nodejs20.x creation is blocked since 2026-08-31). */
export const LOGIN_RUNTIME = "nodejs22.x";

export interface LoginApiArgs {
  /** The `stack` dimension of the login metrics (core/metrics.ts). */
  metricsStack: string;
  /** Partition facts and account: service principals, logins key, ARNs. */
  target: pulumi.Input<DeployTarget>;
  /**
   * Prefix of the physical names (function, role, log groups, secret), unique per account and
   * region, e.g. `cognito-devauth-dev`.
   */
  namePrefix: string;
  /** `enhanced` returns an OpenID token; `basic` also exchanges it for STS credentials. */
  flow: LoginFlow;
  identityPoolId: pulumi.Input<string>;
  identityPoolArn: pulumi.Input<string>;
  developerProviderName: string;
  /** Lifetime of the OpenID token, seconds. */
  tokenDurationSeconds: number;
  /** Which WeChat id keys a user. */
  userKey: UserKey;
  tableName: pulumi.Input<string>;
  tableArn: pulumi.Input<string>;
  /** ARN of the table's `byIdentityId` index (the function queries it for guest upgrades). */
  identityIndexArn: pulumi.Input<string>;
  /**
   * The WeChat apps, in the function's order (the first mini-program is the mini-program route's
   * default); at least one. Each AppSecret gets its own secret.
   */
  wechatApps: readonly WechatAppArgs[];
  /**
   * Route authorization of every login route: public, or SigV4 by this pool's guests
   * (IdentityRoles grants the guest role `loginRouteArns`).
   */
  auth: LoginAuth;
  /**
   * Authenticated role, built from its name (the role is created after this component); required
   * for the basic flow (the STS call's RoleArn).
   */
  authenticatedRoleArn?: pulumi.Input<string>;
  /** Pass principal tags (appId, userKeyKind) with each token: attributes for access control. */
  principalTags?: boolean;
  /** Lifetime of the basic flow's STS credentials, seconds. */
  credentialsDurationSeconds: number;
  /** ICP filing number, recorded as the API's `icp-filing` tag (public routes in China). */
  icpFilingNumber: string | undefined;
  /**
   * Turn the API's execute-api endpoint off (a custom domain then is the only way in). Only with
   * a custom domain: without one the API would be unreachable.
   */
  disableDefaultEndpoint: boolean;
  /** Stage throttle, steady requests per second. Keep it below Cognito's developer-identity quota. */
  rateLimit: number;
  /** Stage throttle burst. */
  burstLimit: number;
  /** Per-client limit the function counts in the table (docs/abuse-protection.md); off if unset. */
  clientRateLimit?: { requestsPerMinute: number; key: ClientKey } | undefined;
  /** Function memory, MB. */
  memoryMb: number;
  /** Function timeout, seconds (the function's own remote-call timeouts fit inside it). */
  timeoutSeconds: number;
  /** Retention of the function and access log groups, days. */
  logRetentionDays: number;
  /**
   * The function's code.
   * @default the esbuild bundle of functions/login for `flow`
   */
  code?: pulumi.Input<pulumi.asset.Archive>;
  /** Tags for every resource. */
  tags: Record<string, string>;
}

const bundles = new Map<LoginFlow, Promise<LoginBundle>>();
/** Bundles once per flow and process (the plan and tests synthesize several stacks). */
function bundle(flow: LoginFlow): Promise<LoginBundle> {
  let b = bundles.get(flow);
  if (!b) bundles.set(flow, (b = buildLoginBundle(flow)));
  return b;
}

/** Logical names of each route's resources; the mini-program route keeps the original ones. */
const ROUTE_NAMES: Record<LoginRouteKind, { integration: string; permission: string }> = {
  miniprogram: { integration: "login", permission: "invoke" },
  oauth: { integration: "login-oauth", permission: "invoke-oauth" },
};

/**
 * The WeChat login API: HTTP API routes in front of the login function (`POST /login/wechat` iff
 * a mini-program app, `POST /login/wechat/oauth` iff an OAuth app), the function's least-privilege
 * execution role, each app's AppSecret in Secrets Manager, and log groups with retention.
 */
export class LoginApi extends pulumi.ComponentResource {
  /** Full URL of the mini-program route, when the stack has a mini-program app. */
  public readonly loginUrl: pulumi.Output<string> | undefined;
  /** Full URL of the OAuth route, when the stack has an OAuth app. */
  public readonly oauthLoginUrl: pulumi.Output<string> | undefined;
  public readonly apiId: pulumi.Output<string>;
  /** The stage that serves the route (`$default`). */
  public readonly stageName: pulumi.Output<string>;
  public readonly functionName: pulumi.Output<string>;
  public readonly functionRoleArn: pulumi.Output<string>;
  public readonly functionArn: pulumi.Output<string>;
  /** ARNs of the secrets holding the apps' AppSecrets. */
  public readonly wechatSecretArns: pulumi.Output<string>[];
  /** `execute-api` ARN of each login route on its stage: what a signing guest must be allowed. */
  public readonly loginRouteArns: pulumi.Output<string>[];
  /** Access log group of the stage (JSON lines, see accessLogFormat). */
  public readonly accessLogGroupName: pulumi.Output<string>;
  /** The function's log group. */
  public readonly functionLogGroupName: pulumi.Output<string>;

  constructor(name: string, args: LoginApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cognito-devauth:index:LoginApi", name, {}, opts);
    const tags = args.tags;
    const target = pulumi.output(args.target);
    const functionName = physicalName(args.namePrefix, "login", NAME_LIMITS.lambdaFunction);
    const timeoutSeconds = args.timeoutSeconds;
    const retentionInDays = args.logRetentionDays;

    if (args.flow === "basic" && !args.authenticatedRoleArn) {
      throw new Error(`LoginApi ${name}: the basic flow needs the authenticated role ARN.`);
    }

    // A route per kind of app the stack has (core/routes.ts).
    const kinds = WECHAT_APP_KINDS.filter((kind) => args.wechatApps.some((a) => a.kind === kind));
    if (kinds.length === 0)
      throw new Error(`LoginApi ${name}: at least one WeChat app is required.`);

    // The AppSecrets live only here: the function gets the secrets' ARNs, never their values.
    const secrets = wechatSecrets(this, name, args.namePrefix, args.wechatApps, tags);

    const { logGroup, role } = functionBase(this, name, {
      target,
      functionName,
      roleName: physicalName(args.namePrefix, "login-function", NAME_LIMITS.role),
      purpose: "WeChat login",
      logRetentionDays: retentionInDays,
      tags,
    });
    const rolePolicy = new iam.RolePolicy(
      `${name}-function`,
      {
        role: role.name,
        policy: pulumi
          .all([target, logGroup.name, args.tableArn, args.identityIndexArn, args.identityPoolArn])
          .apply(([t, logGroupName, tableArn, identityIndexArn, identityPoolArn]) =>
            toJson(
              loginFunctionPolicy({
                logGroupArn: arns.logGroup(t, logGroupName),
                tableArn,
                identityIndexArn,
                // Only a signed route names the guest a login upgrades (the index query).
                guestUpgrade: args.auth === "iam",
                identityPoolArn,
                // By name, so the role exists before the secrets: exactly the stack's apps.
                wechatSecretArns: secrets.map((s) => arns.secretByName(t, s.name)),
                mergeIdentities: args.userKey === "unionid",
              }),
            ),
          ),
      },
      { parent: this },
    );

    const environment: Record<string, pulumi.Input<string>> = {
      IDENTITY_POOL_ID: args.identityPoolId,
      DEVELOPER_PROVIDER_NAME: args.developerProviderName,
      TOKEN_DURATION_SECONDS: String(args.tokenDurationSeconds),
      LOGINS_KEY: target.cognitoLoginsKey,
      TABLE_NAME: args.tableName,
      // The apps, in order, each with its secret's full ARN (a secret's provider id): no value.
      WECHAT_APPS: pulumi
        .all(secrets.map((s) => s.secret.id))
        .apply((ids) =>
          JSON.stringify(
            secrets.map((s, i) => ({ appId: s.appId, kind: s.kind, secretArn: ids[i] })),
          ),
        ),
      USER_KEY: args.userKey,
      POWERTOOLS_SERVICE_NAME: "wechat-login",
      POWERTOOLS_LOG_LEVEL: "INFO",
      // The `stack` dimension of the function's metrics, which the alarms select on.
      [METRICS_STACK_ENV]: args.metricsStack,
    };
    if (args.clientRateLimit) {
      environment.CLIENT_RATE_LIMIT_PER_MINUTE = String(args.clientRateLimit.requestsPerMinute);
      environment.CLIENT_RATE_LIMIT_KEY = args.clientRateLimit.key;
    }
    if (args.flow === "basic" && args.authenticatedRoleArn) {
      environment.AUTHENTICATED_ROLE_ARN = args.authenticatedRoleArn;
      environment.CREDENTIALS_DURATION_SECONDS = String(args.credentialsDurationSeconds);
    }
    if (args.principalTags) environment.PRINCIPAL_TAGS = "true";

    const code =
      args.code ??
      pulumi
        .output(bundle(args.flow))
        .apply(
          (b) =>
            new pulumi.asset.AssetArchive({ [b.fileName]: new pulumi.asset.StringAsset(b.code) }),
        );

    const fn = new lambda.Function(
      `${name}-function`,
      {
        name: functionName,
        description: "WeChat login code -> Cognito developer-authenticated identity",
        runtime: LOGIN_RUNTIME,
        handler: pulumi.output(bundle(args.flow)).handler,
        code,
        role: pulumi.all([target, role.name]).apply(([t, n]) => arns.role(t, n)),
        memorySize: args.memoryMb,
        timeout: timeoutSeconds,
        environment: { variables: environment },
        tags,
      },
      // The role's permissions and the log group must exist before the first invocation.
      { parent: this, dependsOn: [rolePolicy, logGroup] },
    );

    const api = new apigatewayv2.Api(
      `${name}-api`,
      {
        protocolType: "HTTP",
        description: "WeChat login API",
        disableExecuteApiEndpoint: args.disableDefaultEndpoint,
        tags: args.icpFilingNumber ? { ...tags, [ICP_FILING_TAG]: args.icpFilingNumber } : tags,
      },
      { parent: this },
    );

    for (const kind of kinds) {
      const names = ROUTE_NAMES[kind];
      lambdaRoute(
        this,
        { integration: `${name}-${names.integration}`, permission: `${name}-${names.permission}` },
        {
          target,
          apiId: api.id,
          functionName: fn.name,
          ...LOGIN_ROUTES[kind],
          authorizationType: args.auth === "iam" ? "AWS_IAM" : "NONE",
          timeoutSeconds,
        },
      );
    }

    const accessLogs = new cloudwatch.LogGroup(
      `${name}-access-logs`,
      {
        name: `/aws/apigateway/${physicalName(args.namePrefix, "login-access", 200)}`,
        retentionInDays,
        tags,
      },
      { parent: this },
    );

    // Access logs carry request metadata only; bodies (login codes) never reach them.
    const accessLogFormat = JSON.stringify({
      requestId: "$context.requestId",
      // The ApiId dimension of the throttled-requests metric filter (infra/monitoring.ts).
      apiId: "$context.apiId",
      ip: "$context.identity.sourceIp",
      requestTime: "$context.requestTime",
      routeKey: "$context.routeKey",
      status: "$context.status",
      // The status the function answered ("-" when none ran): tells the stage's own 429 (throttled)
      // from the function's RATE_LIMITED (infra/monitoring.ts, ApiThrottled).
      integrationStatus: "$context.integration.status",
      protocol: "$context.protocol",
      responseLength: "$context.responseLength",
      latency: "$context.responseLatency",
      integrationLatency: "$context.integration.latency",
      integrationError: "$context.integrationErrorMessage",
      cognitoIdentityId: "$context.identity.cognitoIdentityId",
    });

    const stage = new apigatewayv2.Stage(
      `${name}-stage`,
      {
        apiId: api.id,
        name: "$default",
        autoDeploy: true,
        // Below Cognito's GetOpenIdTokenForDeveloperIdentity quota, so callers get API Gateway's
        // 429 before the function burns a WeChat code on a throttled Cognito call.
        defaultRouteSettings: {
          throttlingRateLimit: args.rateLimit,
          throttlingBurstLimit: args.burstLimit,
        },
        accessLogSettings: {
          destinationArn: pulumi
            .all([target, accessLogs.name])
            .apply(([t, n]) => arns.logGroup(t, n)),
          format: accessLogFormat,
        },
        tags,
      },
      { parent: this },
    );

    const urlOf = (kind: LoginRouteKind) =>
      kinds.includes(kind)
        ? pulumi
            .all([target, api.id])
            .apply(([t, apiId]) => `${httpApiEndpoint(t, apiId)}${LOGIN_ROUTES[kind].path}`)
        : undefined;
    this.loginUrl = urlOf("miniprogram");
    this.oauthLoginUrl = urlOf("oauth");
    this.apiId = api.id;
    this.stageName = stage.name;
    this.functionName = fn.name;
    this.accessLogGroupName = accessLogs.name;
    this.functionLogGroupName = logGroup.name;
    this.functionRoleArn = pulumi.all([target, role.name]).apply(([t, n]) => arns.role(t, n));
    this.functionArn = pulumi.all([target, fn.name]).apply(([t, n]) => arns.lambdaFunction(t, n));
    this.wechatSecretArns = secrets.map((s) => s.secret.arn);
    // Exactly this stage, and each route's method and path.
    this.loginRouteArns = kinds.map((kind) =>
      pulumi
        .all([target, api.id, stage.name])
        .apply(([t, apiId, stageName]) =>
          arns.executeApi(t, apiId, stageName, LOGIN_ROUTES[kind].method, LOGIN_ROUTES[kind].path),
        ),
    );

    this.registerOutputs({
      loginUrl: this.loginUrl,
      oauthLoginUrl: this.oauthLoginUrl,
      apiId: this.apiId,
      functionName: this.functionName,
      functionRoleArn: this.functionRoleArn,
      accessLogGroupName: this.accessLogGroupName,
    });
  }
}
