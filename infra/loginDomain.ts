import * as apigatewayv2 from "@pulumi/aws/apigatewayv2";
import * as route53 from "@pulumi/aws/route53";
import * as pulumi from "@pulumi/pulumi";
import { ICP_FILING_TAG } from "../core/vocabulary";

export interface LoginDomainArgs {
  /** The domain, e.g. `login.myapp.cn` (ICP-filed in AWS China). */
  domainName: string;
  /** ACM certificate of the domain, in the stack's region (regional domains take no other). */
  certificateArn: string;
  /** Route 53 hosted zone of the domain: when set, the stack creates its alias record. */
  hostedZoneId: string | undefined;
  /** The HTTP API and stage the domain serves. */
  apiId: pulumi.Input<string>;
  stageName: pulumi.Input<string>;
  /** ICP filing number, recorded as the domain's `icp-filing` tag (public routes in China). */
  icpFilingNumber: string | undefined;
  tags: Record<string, string>;
}

/**
 * The login API on the app's own domain: a regional API Gateway domain name (TLS 1.2), the
 * mapping of the API's stage at its root, and optionally the Route 53 alias record. WeChat
 * mini-programs call only HTTPS domains on their allow-list, ICP-filed in China
 * (docs/wechat.md, "Domain allow-list and ICP"), so this is the production path there.
 */
export class LoginDomain extends pulumi.ComponentResource {
  public readonly domainName: string;
  /** API Gateway's regional host the domain's DNS must point to (CNAME or alias). */
  public readonly targetDomainName: pulumi.Output<string>;
  /** `https://<domain>`: the base URL apps call. */
  public readonly baseUrl: string;

  constructor(name: string, args: LoginDomainArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cognito-devauth:index:LoginDomain", name, {}, opts);
    const tags = args.icpFilingNumber
      ? { ...args.tags, [ICP_FILING_TAG]: args.icpFilingNumber }
      : args.tags;

    const domain = new apigatewayv2.DomainName(
      `${name}-domain`,
      {
        domainName: args.domainName,
        domainNameConfiguration: {
          certificateArn: args.certificateArn,
          // AWS China has no edge-optimized endpoints; regional works in every partition.
          endpointType: "REGIONAL",
          securityPolicy: "TLS_1_2",
        },
        tags,
      },
      { parent: this },
    );

    new apigatewayv2.ApiMapping(
      `${name}-mapping`,
      { apiId: args.apiId, domainName: domain.domainName, stage: args.stageName },
      { parent: this },
    );

    const configuration = domain.domainNameConfiguration;
    if (args.hostedZoneId !== undefined) {
      new route53.Record(
        `${name}-alias`,
        {
          zoneId: args.hostedZoneId,
          name: args.domainName,
          type: "A",
          aliases: [
            {
              name: configuration.targetDomainName,
              zoneId: configuration.hostedZoneId,
              evaluateTargetHealth: false,
            },
          ],
        },
        { parent: this },
      );
    }

    this.domainName = args.domainName;
    this.targetDomainName = configuration.targetDomainName;
    this.baseUrl = `https://${args.domainName}`;
    this.registerOutputs({ domainName: this.domainName, targetDomainName: this.targetDomainName });
  }
}
