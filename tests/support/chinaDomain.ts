/**
 * The custom domain every China test stack needs: mini-programs call only ICP-filed domains, so
 * the config refuses a China stack without one (infra/config/rules.ts).
 */
export const CN_CERTIFICATE_ARN =
  "arn:aws-cn:acm:cn-north-1:528715093461:certificate/3f6b2a1c-8d4e-4f7a-9b0c-2e5d7a9c1b3f";

/** `cognito-devauth:loginDomain` of a China raw config, as Pulumi hands it to the program. */
export const CN_LOGIN_DOMAIN = JSON.stringify({
  domainName: "login.myapp.cn",
  certificateArn: CN_CERTIFICATE_ARN,
});

/** The domain setting when `region` is in AWS China, else nothing. */
export function chinaDomainFor(region: string): Record<string, string> {
  return region.startsWith("cn-") ? { "cognito-devauth:loginDomain": CN_LOGIN_DOMAIN } : {};
}
