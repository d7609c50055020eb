/**
 * The partition table: every fact that differs between global AWS and AWS China lives here, and
 * every ARN, principal and Cognito key the stack builds comes from it. Pure data and functions (no
 * Pulumi), so the table is tested on its own and shared by the program, the plan and the tests.
 *
 * Sources: docs/aws-china.md (what differs, with AWS's own pages).
 */

import { REGION } from "./ids";

export type PartitionId = "aws" | "aws-cn";

/** Facts of one partition that do not depend on the region. */
export interface PartitionInfo {
  readonly partition: PartitionId;
  /** DNS suffix of service endpoints. */
  readonly dnsSuffix: string;
  /** Regions where Cognito identity pools exist; `undefined` means "every commercial region". */
  readonly identityPoolRegions: readonly string[] | undefined;
  /** Whether Cognito user pools exist in the partition (they do not in China). */
  readonly userPools: boolean;
  /** Social identity providers (Cognito `SupportedLoginProviders` keys) that do not work there. */
  readonly unsupportedSocialProviders: readonly string[];
  /**
   * Whether API Gateway serves unauthenticated requests only for accounts with an ICP filing
   * (China), so a public login route needs one while an IAM-authorized route does not.
   */
  readonly publicApiNeedsIcp: boolean;
  /**
   * Whether AWS documents that Cognito sets the `cognito-identity:IdentityPoolArn` condition key
   * on `DeleteIdentities` requests there (the global developer guide does; for China only the
   * Service Authorization Reference lists the key): where not, a stack may scope the account
   * function's grant with `if-present` (docs/aws-china.md, "Cognito").
   */
  readonly poolArnConditionKeyDocumented: boolean;
  /**
   * DNS suffix of service principals (`lambda.<suffix>`). China uses the global ones
   * (`lambda.amazonaws.com`, `apigateway.amazonaws.com`), not `amazonaws.com.cn`.
   */
  readonly servicePrincipalSuffix: string;
}

/** Everything the stack needs to know about where it deploys: partition facts plus the region. */
export interface PartitionFacts extends PartitionInfo {
  readonly region: string;
  /**
   * Key of the Cognito OpenID token in the `Logins` map of `GetCredentialsForIdentity` (enhanced
   * flow). Beijing uses a regional key (AWS China docs; the AWS Android SDK hard-codes the rule).
   */
  readonly cognitoLoginsKey: string;
  /** Issuer (`iss`) of the OpenID tokens Cognito issues for this pool's region. */
  readonly cognitoTokenIssuer: string;
  /** Federated principal in role trust policies. */
  readonly trustPrincipal: string;
  /** Prefix of the `aud` / `amr` condition keys in role trust policies. */
  readonly trustConditionKeyPrefix: string;
}

/** Per-stack override of the Cognito trust principal and condition-key prefix. */
export interface TrustOverride {
  readonly principal?: string | undefined;
  readonly conditionKeyPrefix?: string | undefined;
}

export const PARTITIONS: Readonly<Record<PartitionId, PartitionInfo>> = {
  aws: {
    partition: "aws",
    dnsSuffix: "amazonaws.com",
    identityPoolRegions: undefined,
    userPools: true,
    unsupportedSocialProviders: [],
    publicApiNeedsIcp: false,
    poolArnConditionKeyDocumented: true,
    servicePrincipalSuffix: "amazonaws.com",
  },
  "aws-cn": {
    partition: "aws-cn",
    dnsSuffix: "amazonaws.com.cn",
    // Identity pools exist only in Beijing, not in Ningxia (cn-northwest-1).
    identityPoolRegions: ["cn-north-1"],
    userPools: false,
    unsupportedSocialProviders: ["graph.facebook.com", "api.twitter.com"],
    publicApiNeedsIcp: true,
    poolArnConditionKeyDocumented: false,
    servicePrincipalSuffix: "amazonaws.com",
  },
};

/**
 * The global-form trust principal. AWS China's English docs use it too; a Chinese-language page
 * shows a regional form, and which one IAM accepts in cn-north-1 is unverified (docs/aws-china.md), so
 * it is the default everywhere and each stack may override it (`cognitoTrustPrincipal`).
 */
export const GLOBAL_COGNITO_TRUST_PRINCIPAL = "cognito-identity.amazonaws.com";

/**
 * Spellings of the Cognito federated principal and of the `aud`/`amr` condition-key prefix.
 * Global: `cognito-identity.amazonaws.com` for both. China: a Chinese AWS China page shows
 * principal `cognito-identity.cn-north-1.amazonaws.com.cn` with `cognito-identity.amazonaws.com.cn`
 * keys; which one IAM accepts there is unverified (docs/aws-china.md), so either China spelling is
 * allowed as an override, but the families are never mixed in one policy.
 */
export interface CognitoTrustFamily {
  readonly name: "global" | "china";
  readonly principals: readonly string[];
  readonly keyPrefixes: readonly string[];
}

export const COGNITO_TRUST_FAMILIES: readonly CognitoTrustFamily[] = [
  {
    name: "global",
    principals: [GLOBAL_COGNITO_TRUST_PRINCIPAL],
    keyPrefixes: [GLOBAL_COGNITO_TRUST_PRINCIPAL],
  },
  {
    name: "china",
    principals: [
      "cognito-identity.cn-north-1.amazonaws.com.cn",
      "cognito-identity.amazonaws.com.cn",
    ],
    keyPrefixes: [
      "cognito-identity.amazonaws.com.cn",
      "cognito-identity.cn-north-1.amazonaws.com.cn",
    ],
  },
];

/** The family of a trust principal, or undefined for a spelling no AWS document uses. */
export function cognitoTrustFamilyOf(principal: string): CognitoTrustFamily | undefined {
  const p = principal.toLowerCase();
  return COGNITO_TRUST_FAMILIES.find((f) => f.principals.includes(p));
}

export function isPartitionId(value: string): value is PartitionId {
  return Object.prototype.hasOwnProperty.call(PARTITIONS, value);
}

/**
 * The partition a region belongs to, or `undefined` for a partition this project does not support
 * (GovCloud, ISO). Used to validate config before any provider call is made.
 */
export function partitionOfRegion(region: string): PartitionId | undefined {
  if (/^cn-[a-z]+-\d+$/.test(region)) return "aws-cn";
  if (/^(us-gov|us-iso[a-z]*|eu-isoe)-/.test(region)) return undefined;
  if (REGION.test(region)) return "aws";
  return undefined;
}

/**
 * Key of the Cognito OpenID token in GetCredentialsForIdentity's `Logins` map: one key for every
 * global region; in China the regional endpoint name (AWS China docs; the AWS Android SDK
 * hard-codes the same rule). Shared by the stack and the login function.
 */
export function cognitoLoginsKeyOf(region: string): string {
  return partitionOfRegion(region) === "aws-cn"
    ? `cognito-identity.${region}.${PARTITIONS["aws-cn"].dnsSuffix}`
    : GLOBAL_COGNITO_TRUST_PRINCIPAL;
}

/**
 * Builds the facts for a partition (as `aws.getPartition()` reports it) and region.
 * Throws when the provider's partition and the region disagree, which means the provider is
 * configured for another region than the stack's `aws:region`.
 */
export function partitionFacts(
  partition: string,
  region: string,
  trust: TrustOverride = {},
): PartitionFacts {
  if (!isPartitionId(partition)) {
    throw new Error(
      `The AWS provider reports partition '${partition}', which this project does not support ` +
        `(supported: ${Object.keys(PARTITIONS).join(", ")}).`,
    );
  }
  const expected = partitionOfRegion(region);
  if (expected !== partition) {
    throw new Error(
      `The AWS provider reports partition '${partition}' but aws:region is '${region}' ` +
        `(partition '${expected ?? "unsupported"}'). Check the provider's region configuration.`,
    );
  }
  const info = PARTITIONS[partition];
  const cognitoLoginsKey = cognitoLoginsKeyOf(region);
  const trustPrincipal = trust.principal ?? GLOBAL_COGNITO_TRUST_PRINCIPAL;
  // The Chinese AWS China page pairs the regional principal with `.com.cn` keys: each family's
  // first key prefix is its default.
  const familyPrefix = cognitoTrustFamilyOf(trustPrincipal)?.keyPrefixes[0];
  return {
    ...info,
    region,
    cognitoLoginsKey,
    cognitoTokenIssuer: `https://${cognitoLoginsKey}`,
    trustPrincipal,
    trustConditionKeyPrefix: trust.conditionKeyPrefix ?? familyPrefix ?? trustPrincipal,
  };
}

/** Where a stack deploys: the partition facts plus the account. */
export interface DeployTarget extends PartitionFacts {
  readonly accountId: string;
}

/**
 * `arn:<partition>:<service>:<region>:<account>:<resource>`, the only place ARNs are spelled.
 * Refuses empty parts, so a missing name never becomes `undefined` inside an IAM document.
 */
export function arn(
  facts: Pick<PartitionFacts, "partition">,
  service: string,
  region: string,
  account: string,
  resource: string,
): string {
  for (const [part, value] of Object.entries({ service, account, resource })) {
    if (typeof value !== "string" || value === "" || value === "undefined") {
      throw new Error(`Cannot build a ${service} ARN: its ${part} is missing.`);
    }
  }
  return `arn:${facts.partition}:${service}:${region}:${account}:${resource}`;
}

/** Partition-correct ARNs of the resources this stack names. */
export const arns = {
  role: (t: DeployTarget, name: string) => arn(t, "iam", "", t.accountId, `role/${name}`),
  /** A customer managed IAM policy; `path` starts and ends with `/` (IAM default `/`). */
  policy: (t: DeployTarget, name: string, path = "/") =>
    arn(t, "iam", "", t.accountId, `policy${path}${name}`),
  identityPool: (t: DeployTarget, id: string) =>
    arn(t, "cognito-identity", t.region, t.accountId, `identitypool/${id}`),
  table: (t: DeployTarget, name: string) =>
    arn(t, "dynamodb", t.region, t.accountId, `table/${name}`),
  logGroup: (t: DeployTarget, name: string) =>
    arn(t, "logs", t.region, t.accountId, `log-group:${name}`),
  lambdaFunction: (t: DeployTarget, name: string) =>
    arn(t, "lambda", t.region, t.accountId, `function:${name}`),
  /** API Gateway's URI for invoking a Lambda function (integration target). */
  lambdaInvocation: (t: DeployTarget, functionArn: string) =>
    arn(
      t,
      "apigateway",
      t.region,
      "lambda",
      `path/2015-03-31/functions/${functionArn}/invocations`,
    ),
  /** `execute-api` ARN of an API's stage/method/path, e.g. `<api>/$default/POST/login/wechat`. */
  executeApi: (t: DeployTarget, apiId: string, stage: string, method: string, path: string) =>
    arn(t, "execute-api", t.region, t.accountId, `${apiId}/${stage}/${method}${path}`),
  /**
   * A secret by name. Secrets Manager appends `-` and six random characters to a secret's ARN;
   * exactly six `?` match them and nothing else (Secrets Manager user guide, "Resources").
   */
  secretByName: (t: DeployTarget, name: string) =>
    arn(t, "secretsmanager", t.region, t.accountId, `secret:${name}-??????`),
  /** A secret's full ARN: its name, `-` and the six characters Secrets Manager appended. */
  secret: (t: DeployTarget, name: string, suffix: string) =>
    arn(t, "secretsmanager", t.region, t.accountId, `secret:${name}-${suffix}`),
  snsTopic: (t: DeployTarget, name: string) => arn(t, "sns", t.region, t.accountId, name),
  metricAlarm: (t: DeployTarget, name: string) =>
    arn(t, "cloudwatch", t.region, t.accountId, `alarm:${name}`),
  /** CloudWatch dashboards are global: no region in the ARN. */
  dashboard: (t: DeployTarget, name: string) =>
    arn(t, "cloudwatch", "", t.accountId, `dashboard/${name}`),
  /** `execute-api` ARN of an API (`<api>`) or one stage of it (`<api>/<stage>`). */
  apiExecution: (t: DeployTarget, apiId: string, stage?: string) =>
    arn(t, "execute-api", t.region, t.accountId, stage === undefined ? apiId : `${apiId}/${stage}`),
};

/**
 * API Gateway management ARNs (`arn:<partition>:apigateway:<region>::<path>`): no account, so
 * not `arn()`, which refuses one that is empty (API Gateway developer guide, "API Gateway Amazon
 * Resource Name (ARN) reference"). `path` is the resource path, e.g. `/apis/<id>`.
 */
export function apiGatewayArn(facts: Pick<PartitionFacts, "partition" | "region">, path: string) {
  const segments = path.split("/").slice(1);
  const bad = (seg: string) => !/^[\w.$-]+$/.test(seg) || seg === "undefined";
  if (!path.startsWith("/") || segments.some(bad) || facts.region === "") {
    throw new Error(`Cannot build an API Gateway ARN: '${path}' is not a resource path.`);
  }
  return `arn:${facts.partition}:apigateway:${facts.region}::${path}`;
}

/** Management ARNs of the API Gateway (v2) resources this stack creates. */
export const apiGatewayArns = {
  api: (t: PartitionFacts, apiId: string) => apiGatewayArn(t, `/apis/${apiId}`),
  stage: (t: PartitionFacts, apiId: string, stage: string) =>
    apiGatewayArn(t, `/apis/${apiId}/stages/${stage}`),
  domainName: (t: PartitionFacts, domainName: string) =>
    apiGatewayArn(t, `/domainnames/${domainName}`),
};

/** Default endpoint of an HTTP API (`https://<id>.execute-api.<region>.<dnsSuffix>`). */
export function httpApiEndpoint(t: PartitionFacts, apiId: string): string {
  return `https://${apiId}.execute-api.${t.region}.${t.dnsSuffix}`;
}

/** The service principal of an AWS service in a partition, e.g. `lambda.amazonaws.com`. */
export function servicePrincipal(
  facts: Pick<PartitionInfo, "servicePrincipalSuffix">,
  service: string,
): string {
  return `${service}.${facts.servicePrincipalSuffix}`;
}

/**
 * S3 ARNs carry no region and no account: `arn:<partition>:s3:::<bucket>[/<key pattern>]`
 * (S3 User Guide, "Policy resources for Amazon S3").
 */
export function s3Arn(facts: Pick<PartitionFacts, "partition">, bucket: string, key?: string) {
  if (bucket === "" || bucket.includes("/") || /[*?]/.test(bucket)) {
    throw new Error(`Cannot build an S3 ARN: '${bucket}' is not one bucket name.`);
  }
  return `arn:${facts.partition}:s3:::${bucket}${key === undefined ? "" : `/${key}`}`;
}

/**
 * The IAM policy variable that holds the caller's Cognito IdentityId, e.g.
 * `${cognito-identity.amazonaws.com:sub}`. Its prefix is the stack's trust condition-key prefix,
 * so the per-stack China override (docs/aws-china.md, "Trust principal") moves both together.
 */
export function identityVariable(facts: Pick<PartitionFacts, "trustConditionKeyPrefix">): string {
  return "${" + `${facts.trustConditionKeyPrefix}:sub` + "}";
}
