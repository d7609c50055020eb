/**
 * Rules between settings, each a small named function over the values the table read. A rule
 * skips when a setting it needs was itself invalid (that problem is already reported), so every
 * line names one real problem. `whereFrom` runs first: most rules depend on the partition.
 */
import { parseArn } from "../../core/ids";
import {
  COGNITO_TRUST_FAMILIES,
  GLOBAL_COGNITO_TRUST_PRINCIPAL,
  PARTITIONS,
  cognitoTrustFamilyOf,
  partitionOfRegion,
} from "../../core/partition";
import { PROJECT, type Where } from "./setting";
import { TABLE, type ConfigKey, type Values } from "./table";
import { WECHAT_RULES } from "./wechatRules";

/** What a rule sees: each value, `undefined` where unset (without default) or invalid. */
export interface RuleInput {
  readonly v: { readonly [K in ConfigKey]: Values[K] | undefined };
  readonly where: Where;
  readonly invalid: ReadonlySet<ConfigKey>;
}

export interface Rule {
  readonly name: string;
  /** One sentence for docs/configuration.md. */
  readonly doc: string;
  readonly check: (input: RuleInput) => string[];
}

const k = (key: string) => `${PROJECT}:${key}`;
const set = (key: string, value: string) => `pulumi config set ${key} ${value}`;

/** The region and its partition; a missing or unsupported region is a problem of its own. */
export function whereFrom(raw: Readonly<Record<string, string | undefined>>): {
  where: Where;
  problems: string[];
} {
  const region = raw["aws:region"];
  if (!region) {
    return {
      where: { region: undefined, partition: "aws" },
      problems: [
        "aws:region is required. Fix: pulumi config set aws:region us-east-1 (or cn-north-1).",
      ],
    };
  }
  const partition = partitionOfRegion(region);
  if (!partition) {
    return {
      where: { region: undefined, partition: "aws" },
      problems: [
        `aws:region: '${region}' is not in a supported partition (aws, aws-cn). ` +
          "Fix: pulumi config set aws:region <a commercial or China region>.",
      ],
    };
  }
  const poolRegions = PARTITIONS[partition].identityPoolRegions;
  if (poolRegions && !poolRegions.includes(region)) {
    return {
      where: { region, partition },
      problems: [
        `aws:region: Cognito identity pools are not available in ${region}; in ${partition} ` +
          `they exist only in ${poolRegions.join(", ")}. Fix: pulumi config set aws:region ${poolRegions[0]}.`,
      ],
    };
  }
  return { where: { region, partition }, problems: [] };
}

/** The trust principal is one an AWS document uses, of the stack's partition family. */
function trustPrincipalFamily({ v, where }: RuleInput): string[] {
  const principal = v.cognitoTrustPrincipal;
  if (principal === undefined) return [];
  const family = cognitoTrustFamilyOf(principal);
  if (!family) {
    const known = COGNITO_TRUST_FAMILIES.flatMap((f) => f.principals).join(", ");
    return [
      `${k("cognitoTrustPrincipal")}: '${principal}' is not a Cognito identity principal ` +
        `(known: ${known}). Fix: pulumi config rm cognitoTrustPrincipal for the default.`,
    ];
  }
  if (family.name === "china" && where.partition !== "aws-cn") {
    return [
      `${k("cognitoTrustPrincipal")}: '${principal}' is an AWS China principal but the stack ` +
        `is in ${where.partition}. Fix: pulumi config rm cognitoTrustPrincipal.`,
    ];
  }
  return [];
}

/** The condition-key prefix belongs to the principal's family: families are never mixed. */
function trustPrefixFamily({ v }: RuleInput): string[] {
  const prefix = v.cognitoTrustConditionKeyPrefix;
  const principal = v.cognitoTrustPrincipal ?? GLOBAL_COGNITO_TRUST_PRINCIPAL;
  const family = cognitoTrustFamilyOf(principal);
  if (prefix === undefined || !family || family.keyPrefixes.includes(prefix)) return [];
  return [
    `${k("cognitoTrustConditionKeyPrefix")}: '${prefix}' does not go with principal ` +
      `'${principal}' (use one of: ${family.keyPrefixes.join(", ")}). ` +
      `Fix: ${set("cognitoTrustConditionKeyPrefix", family.keyPrefixes[0] ?? "")}.`,
  ];
}

/** Social providers Cognito does not support in the partition (Facebook, Twitter in aws-cn). */
function socialProvidersOfPartition({ v, where }: RuleInput): string[] {
  const refused = PARTITIONS[where.partition].unsupportedSocialProviders;
  return Object.keys(v.supportedLoginProviders ?? {})
    .filter((provider) => refused.includes(provider))
    .map(
      (provider) =>
        `${k("supportedLoginProviders")}: ${provider} is not supported by Cognito in ` +
        `${where.partition}. Fix: pulumi config rm --path 'supportedLoginProviders["${provider}"]'.`,
    );
}

/** Cognito user pools do not exist in aws-cn. */
function userPoolsOfPartition({ v, where }: RuleInput): string[] {
  if ((v.cognitoIdentityProviders ?? []).length === 0 || PARTITIONS[where.partition].userPools) {
    return [];
  }
  return [
    `${k("cognitoIdentityProviders")}: Cognito user pools do not exist in ${where.partition}. ` +
      "Fix: pulumi config rm cognitoIdentityProviders (use the developer provider instead).",
  ];
}

/** An IAM-authorized route is signed by this pool's guests, so it needs guests. */
function iamRouteNeedsGuests({ v, where }: RuleInput): string[] {
  if (v.loginAuth !== "iam" || v.allowGuests !== false) return [];
  const china = PARTITIONS[where.partition].publicApiNeedsIcp;
  return [
    `${k("loginAuth")} is 'iam' but ${k("allowGuests")} is false: only this pool's guest ` +
      `identities can sign the login request. Fix: ${set("allowGuests", "true")} or ` +
      `${set("loginAuth", "none")}${china ? " (needs an ICP filing and loginDomain in China)" : ""}.`,
  ];
}

/** Only a SigV4-signed route (`loginAuth: iam`) tells the function which guest is calling. */
function identityKeyNeedsIamRoute({ v }: RuleInput): string[] {
  if (v.loginClientRateLimit?.key !== "identity" || v.loginAuth !== "none") return [];
  return [
    `${k("loginClientRateLimit")}.key is 'identity' but ${k("loginAuth")} is 'none': a public ` +
      "route carries no caller identity. Fix: pulumi config set --path " +
      "loginClientRateLimit.key sourceIp, or " +
      `${set("loginAuth", "iam")}.`,
  ];
}

/**
 * A public route in China needs the account's ICP filing (API Gateway serves unauthenticated
 * requests only then) and an ICP-filed custom domain (WeChat mini-programs call only those).
 * See docs/aws-china.md, "API Gateway", and docs/wechat.md, "Domain allow-list and ICP".
 */
function chinaPublicRouteNeedsIcpAndDomain({ v, where, invalid }: RuleInput): string[] {
  if (v.loginAuth !== "none" || !PARTITIONS[where.partition].publicApiNeedsIcp) return [];
  const missing: [string, string][] = [];
  if (v.icpFilingNumber === undefined && !invalid.has("icpFilingNumber")) {
    missing.push(["icpFilingNumber", set("icpFilingNumber", "<ICP number>")]);
  }
  if (v.loginDomain === undefined && !invalid.has("loginDomain")) {
    missing.push(["loginDomain", TABLE.loginDomain.fix]);
  }
  if (missing.length === 0) return [];
  return [
    `${k("loginAuth")} is 'none' in ${where.partition}: API Gateway there serves unauthenticated ` +
      "requests only for accounts with an ICP filing, and WeChat mini-programs call only " +
      `ICP-filed HTTPS domains, so a public route needs ${missing.map(([key]) => k(key)).join(" and ")}. ` +
      `Fix: ${missing.map(([, fix]) => fix).join(", and ")}.`,
  ];
}

/**
 * The login route serves WeChat mini-programs (jscode2session codes), and a mini-program calls
 * only ICP-filed HTTPS domains on its allow-list (docs/wechat.md, "Domain allow-list and ICP"):
 * in AWS China the API's execute-api host can never be one, whatever the route's authorization.
 */
function chinaMiniProgramNeedsDomain({ v, where, invalid }: RuleInput): string[] {
  if (v.loginAuth !== "iam" || !PARTITIONS[where.partition].publicApiNeedsIcp) return [];
  if (v.loginDomain !== undefined || invalid.has("loginDomain")) return [];
  return [
    `${k("loginDomain")} is required in ${where.partition}: WeChat mini-programs call only ` +
      "ICP-filed HTTPS domains on their allow-list, and the API's execute-api host is not one " +
      "(developer tools skip the check during development only). " +
      `Fix: ${TABLE.loginDomain.fix} (an ICP-filed domain of yours), and with the ICP filing ` +
      `prefer the public route: ${set("loginAuth", "none")} and ${set("icpFilingNumber", "<ICP number>")}.`,
  ];
}

/** Guest grants go to the guest role, which exists only with guests. */
function guestGrantsNeedGuests({ v }: RuleInput): string[] {
  if ((v.grants?.guest ?? []).length === 0 || v.allowGuests !== false) return [];
  return [
    `${k("grants.guest")} grants guests permissions but ${k("allowGuests")} is false, so there ` +
      `is no guest role. Fix: ${set("allowGuests", "true")} or remove grants.guest.`,
  ];
}

/** `aws:PrincipalTag/...` matches only when the login passes principal tags. */
function principalTagsNeedOptIn({ v }: RuleInput): string[] {
  const grants = v.grants;
  if (v.principalTags !== false || grants === undefined) return [];
  return (["authenticated", "guest"] as const).flatMap((role) =>
    grants[role].flatMap((g, i) =>
      JSON.stringify(g).toLowerCase().includes("aws:principaltag/")
        ? [
            `${k(`grants.${role}[${i}]`)} uses aws:PrincipalTag, but ${k("principalTags")} is ` +
              `false, so sessions carry no tags and the condition never matches. ` +
              `Fix: ${set("principalTags", "true")}.`,
          ]
        : [],
    ),
  );
}

/** The token bucket must be able to hold the steady rate. */
function burstAtLeastRate({ v }: RuleInput): string[] {
  const { loginRateLimit: rate, loginBurstLimit: burst } = v;
  if (rate === undefined || burst === undefined || burst >= rate) return [];
  return [
    `${k("loginBurstLimit")} (${burst}) is below ${k("loginRateLimit")} (${rate}): the bucket ` +
      `could never reach the steady rate. Fix: ${set("loginBurstLimit", String(rate))}.`,
  ];
}

/** API Gateway takes certificates of its own partition, and ACM ones of its own region. */
function certificateOfStack({ v, where }: RuleInput): string[] {
  const arn = v.loginDomain ? parseArn(v.loginDomain.certificateArn) : undefined;
  if (!arn || where.region === undefined) return [];
  const fix = TABLE.loginDomain.leaves.certificateArn.fix;
  const key = k("loginDomain.certificateArn");
  if (arn.partition !== where.partition) {
    return [
      `${key}: the certificate is in partition '${arn.partition}' but the stack is in ` +
        `${where.partition}. Fix: ${fix} (a certificate of ${where.partition}).`,
    ];
  }
  if (arn.service === "acm" && arn.region !== where.region) {
    return [
      `${key}: the ACM certificate is in ${arn.region}, but API Gateway takes only ` +
        `certificates of the API's region ${where.region}. Fix: ${fix} (import or request it in ${where.region}).`,
    ];
  }
  return [];
}

/** CloudWatch alarms notify SNS topics of their own partition and region. */
function alarmTopicOfStack({ v, where }: RuleInput): string[] {
  const arn = v.alarms?.topicArn ? parseArn(v.alarms.topicArn) : undefined;
  if (!arn || where.region === undefined) return [];
  if (arn.partition === where.partition && arn.region === where.region) return [];
  return [
    `${k("alarms.topicArn")}: the topic is in ${arn.partition} ${arn.region}, but the stack's ` +
      `alarms are in ${where.partition} ${where.region}. Fix: ${TABLE.alarms.leaves.topicArn.fix} ` +
      `(a topic in ${where.region}).`,
  ];
}

/**
 * `if-present` widens the account function's DeleteIdentities grant wherever a request lacks
 * the pool's condition key: only where AWS does not document the key (aws-cn).
 */
function poolConditionOfPartition({ v, where }: RuleInput): string[] {
  if (v.accountDeletionPoolCondition !== "if-present") return [];
  if (!PARTITIONS[where.partition].poolArnConditionKeyDocumented) return [];
  return [
    `${k("accountDeletionPoolCondition")}: 'if-present' is for partitions where Cognito's ` +
      `cognito-identity:IdentityPoolArn key is unverified (aws-cn); in ${where.partition} it is ` +
      "documented, and 'if-present' would only drop the pool scope. " +
      `Fix: pulumi config rm accountDeletionPoolCondition.`,
  ];
}

export const RULES: readonly Rule[] = [
  {
    name: "trust principal family",
    doc: "cognitoTrustPrincipal is a spelling an AWS document uses; a China spelling only in aws-cn.",
    check: trustPrincipalFamily,
  },
  {
    name: "trust prefix family",
    doc: "cognitoTrustConditionKeyPrefix belongs to the same family (global or China) as the principal.",
    check: trustPrefixFamily,
  },
  {
    name: "social providers of the partition",
    doc: "supportedLoginProviders holds no provider Cognito refuses in the partition (Facebook, Twitter in aws-cn).",
    check: socialProvidersOfPartition,
  },
  {
    name: "user pools of the partition",
    doc: "cognitoIdentityProviders is empty in aws-cn, which has no Cognito user pools.",
    check: userPoolsOfPartition,
  },
  {
    name: "IAM route needs guests",
    doc: "loginAuth 'iam' needs allowGuests true: the pool's guests sign the login request.",
    check: iamRouteNeedsGuests,
  },
  {
    name: "China public route needs ICP and domain",
    doc: "loginAuth 'none' in aws-cn needs both icpFilingNumber and loginDomain.",
    check: chinaPublicRouteNeedsIcpAndDomain,
  },
  {
    name: "China mini-program needs a domain",
    doc: "loginAuth 'iam' in aws-cn needs loginDomain too: mini-programs call only ICP-filed domains.",
    check: chinaMiniProgramNeedsDomain,
  },
  {
    name: "identity limit needs IAM route",
    doc: "loginClientRateLimit.key 'identity' needs loginAuth 'iam' (only a signed request names its guest).",
    check: identityKeyNeedsIamRoute,
  },
  {
    name: "guest grants need guests",
    doc: "grants.guest is empty unless allowGuests is true.",
    check: guestGrantsNeedGuests,
  },
  {
    name: "principal tags need opt-in",
    doc: "Grants use aws:PrincipalTag only with principalTags true.",
    check: principalTagsNeedOptIn,
  },
  {
    name: "burst at least rate",
    doc: "loginBurstLimit is at least loginRateLimit.",
    check: burstAtLeastRate,
  },
  {
    name: "certificate of the stack",
    doc: "loginDomain.certificateArn is in the stack's partition, and an ACM certificate in its region.",
    check: certificateOfStack,
  },
  {
    name: "pool condition of the partition",
    doc: "accountDeletionPoolCondition 'if-present' only where the condition key is unverified (aws-cn).",
    check: poolConditionOfPartition,
  },
  {
    name: "alarm topic of the stack",
    doc: "alarms.topicArn is an SNS topic in the stack's partition and region.",
    check: alarmTopicOfStack,
  },
  ...WECHAT_RULES,
];
