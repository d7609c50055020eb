/**
 * Program entry: reads the stack's config once and composes the components. Exported as a
 * function, which Pulumi calls and whose result becomes the stack outputs; the offline plan and
 * the tests call the same function under Pulumi's mocks.
 */
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import { getPartitionOutput } from "@pulumi/aws/getPartition";
import * as pulumi from "@pulumi/pulumi";
import { AccountApi } from "./accountApi";
import { ACCOUNT_ROUTE } from "../core/routes";
import { loadConfig, PROJECT } from "./config";
import { summarizeGrants } from "./iam/grants";
import { IdentityPool } from "./identityPool";
import { cognitoRoleName, IdentityRoles } from "./identityRoles";
import { LoginApi } from "./loginApi";
import { LoginDomain } from "./loginDomain";
import { MappingTable } from "./mappingTable";
import { Monitoring } from "./monitoring";
import { NAME_LIMITS, physicalName } from "./naming";
import { arns, httpApiEndpoint, partitionFacts } from "../core/partition";
import { LOGIN_ROUTES } from "../core/routes";

async function main() {
  const cfg = loadConfig();
  const stack = pulumi.getStack();
  const tags = { project: PROJECT, stack, ...cfg.tags };
  // Physical names are `<project>-<stack>-...`, so every ARN is known before deployment.
  const namePrefix = `${PROJECT}-${stack}`;

  // Partition facts come from the provider (getPartition) and the region, never from literals.
  // A provider that reports no partition (some test doubles) falls back to the region's.
  const target = pulumi
    .all([getPartitionOutput(), getCallerIdentityOutput()])
    .apply(([p, caller]) => {
      if (!caller.accountId) {
        throw new Error(
          "aws.getCallerIdentity returned no account id: check the AWS credentials " +
            "(in tests: mock aws:index/getCallerIdentity:getCallerIdentity).",
        );
      }
      return {
        ...partitionFacts(p.partition || cfg.partition, cfg.region, cfg.trust),
        accountId: caller.accountId,
      };
    });

  const identity = new IdentityPool("identity", {
    identityPoolName: cfg.identityPoolName,
    developerProviderName: cfg.developerProviderName,
    target,
    allowGuests: cfg.allowGuests,
    // The basic flow needs it, and so does guest signing (`loginAuth: iam`): only basic-flow guest
    // credentials may call an IAM-authorized route (docs/guest-signing.md).
    allowClassicFlow: cfg.loginFlow === "basic" || cfg.login.auth === "iam",
    supportedLoginProviders: cfg.supportedLoginProviders,
    cognitoIdentityProviders: cfg.cognitoIdentityProviders,
    tags,
  });

  const users = new MappingTable("user-map", {
    target,
    tableName: physicalName(namePrefix, "users", NAME_LIMITS.table),
    tags,
  });

  const login = new LoginApi("wechat-login", {
    target,
    namePrefix,
    metricsStack: stack,
    flow: cfg.loginFlow,
    identityPoolId: identity.identityPoolId,
    identityPoolArn: identity.identityPoolArn,
    developerProviderName: cfg.developerProviderName,
    tokenDurationSeconds: cfg.tokenDurationSeconds,
    userKey: cfg.userKey,
    tableName: users.tableName,
    tableArn: users.tableArn,
    identityIndexArn: users.identityIndexArn,
    wechatApps: cfg.wechatApps.map((app) => ({
      appId: app.appId,
      kind: app.kind,
      appSecret: pulumi.secret(app.appSecret.reveal()),
      legacy: app.legacy,
    })),
    auth: cfg.login.auth,
    // Name-built: the role is created after the API (IdentityRoles), so nothing here waits on it.
    authenticatedRoleArn: target.apply((t) =>
      arns.role(t, cognitoRoleName(namePrefix, "authenticated")),
    ),
    principalTags: cfg.principalTags,
    credentialsDurationSeconds: cfg.credentialsDurationSeconds,
    icpFilingNumber: cfg.login.icpFilingNumber,
    disableDefaultEndpoint: cfg.login.domain?.disableDefaultEndpoint ?? false,
    rateLimit: cfg.login.rateLimit,
    burstLimit: cfg.login.burstLimit,
    clientRateLimit: cfg.login.clientRateLimit,
    memoryMb: cfg.login.memoryMb,
    timeoutSeconds: cfg.login.timeoutSeconds,
    logRetentionDays: cfg.login.logRetentionDays,
    tags,
  });

  // Self-service account deletion on the same API and stage (docs/users.md).
  const account = new AccountApi("account", {
    target,
    namePrefix,
    apiId: login.apiId,
    stageName: login.stageName,
    identityPoolId: identity.identityPoolId,
    identityPoolArn: identity.identityPoolArn,
    developerProviderName: cfg.developerProviderName,
    tableName: users.tableName,
    tableArn: users.tableArn,
    identityIndexArn: users.identityIndexArn,
    logRetentionDays: cfg.login.logRetentionDays,
    poolCondition: cfg.accountDeletionPoolCondition,
    tags,
  });

  const roles = new IdentityRoles("identity-roles", {
    target,
    namePrefix,
    identityPoolId: identity.identityPoolId,
    identityPoolName: cfg.identityPoolName,
    allowGuests: cfg.allowGuests,
    authenticatedRoleMaxSessionSeconds: cfg.credentialsDurationSeconds,
    grants: cfg.grants,
    principalTags: cfg.principalTags,
    loginRouteArns: cfg.login.auth === "iam" ? login.loginRouteArns : [],
    mappingTableArn: users.tableArn,
    secretArns: login.wechatSecretArns,
    functionArns: [login.functionArn, account.functionArn],
    logGroupNames: [
      login.functionLogGroupName,
      account.functionLogGroupName,
      login.accessLogGroupName,
    ],
    authenticatedRouteArns: [account.routeArn],
    previousParents: { roles: identity, loginRoute: login },
    tags,
  });

  const domainConfig = cfg.login.domain;
  const domain =
    domainConfig &&
    new LoginDomain("login-domain", {
      domainName: domainConfig.domainName,
      certificateArn: domainConfig.certificateArn,
      hostedZoneId: domainConfig.hostedZoneId,
      apiId: login.apiId,
      stageName: login.stageName,
      icpFilingNumber: cfg.login.icpFilingNumber,
      tags,
    });

  new Monitoring("monitoring", {
    target,
    namePrefix,
    metricsStack: stack,
    apiId: login.apiId,
    stageName: login.stageName,
    functionName: login.functionName,
    accountFunctionName: account.functionName,
    accessLogGroupName: login.accessLogGroupName,
    timeoutSeconds: cfg.login.timeoutSeconds,
    notifications: cfg.alarms,
    tags,
  });

  // A login route's URL (on the custom domain when there is one) and its apps' AppIDs (public).
  const urlOf = (kind: keyof typeof LOGIN_ROUTES, apiUrl: pulumi.Output<string>) =>
    domain ? `${domain.baseUrl}${LOGIN_ROUTES[kind].path}` : apiUrl;
  const appIdsOf = (kind: keyof typeof LOGIN_ROUTES) =>
    cfg.wechatApps.filter((a) => a.kind === kind).map((a) => a.appId);

  return {
    identityPoolId: identity.identityPoolId,
    region: cfg.region,
    partition: target.partition,
    loginsKey: target.cognitoLoginsKey,
    developerProviderName: cfg.developerProviderName,
    authenticatedRoleArn: roles.authenticatedRoleArn,
    ...(roles.guestRoleArn ? { guestRoleArn: roles.guestRoleArn } : {}),
    tableName: users.tableName,
    // Each login route that exists (the stack has an app of its kind), default app first.
    ...(login.loginUrl
      ? { loginUrl: urlOf("miniprogram", login.loginUrl), loginAppIds: appIdsOf("miniprogram") }
      : {}),
    ...(login.oauthLoginUrl
      ? { oauthLoginUrl: urlOf("oauth", login.oauthLoginUrl), oauthAppIds: appIdsOf("oauth") }
      : {}),
    accountUrl: domain
      ? `${domain.baseUrl}${ACCOUNT_ROUTE.path}`
      : pulumi
          .all([target, login.apiId])
          .apply(([t, apiId]) => `${httpApiEndpoint(t, apiId)}${ACCOUNT_ROUTE.path}`),
    ...(domain && domainConfig
      ? {
          loginDomainName: domain.domainName,
          loginDomainTarget: domain.targetDomainName,
          loginDefaultEndpointDisabled: domainConfig.disableDefaultEndpoint,
        }
      : {}),
    loginFlow: cfg.loginFlow,
    loginAuth: cfg.login.auth,
    // What app identities may use (buckets, prefixes, tables), for the plan and the app config.
    grants: target.apply((t) => summarizeGrants(cfg.grants, t)),
  };
}

export = main;
