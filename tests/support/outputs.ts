import { arns, partitionFacts } from "../../core/partition";

export const ACCOUNT = "528715093461";
export const POOL_UUID = "4f0c1a9e-7d2b-4c55-9a3e-2b8f6d1e0c77";

/**
 * `pulumi stack output --json` of a deployed stack in `region` (loginAuth iam with guests,
 * enhanced flow), built with the partition table; `extra` adds or replaces outputs.
 */
export function deployedOutputs(region: string, extra: Record<string, unknown> = {}) {
  const partition = region.startsWith("cn-") ? "aws-cn" : "aws";
  const t = { ...partitionFacts(partition, region), accountId: ACCOUNT };
  return {
    identityPoolId: `${region}:${POOL_UUID}`,
    region,
    partition: t.partition,
    loginsKey: t.cognitoLoginsKey,
    developerProviderName: "login.wechat.myapp",
    authenticatedRoleArn: arns.role(t, "cognito-devauth-s-authenticated"),
    guestRoleArn: arns.role(t, "cognito-devauth-s-guest"),
    tableName: "cognito-devauth-s-users",
    loginUrl: `https://a1b2c3d4e5.execute-api.${region}.${t.dnsSuffix}/login/wechat`,
    loginAppIds: ["wx8f3a61c2d94be705"],
    loginFlow: "enhanced",
    loginAuth: "iam",
    ...extra,
  };
}
