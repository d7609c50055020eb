/**
 * Pulumi mocks that answer like AWS would: partition-correct ARNs, real-looking ids and names,
 * deterministic per stack and resource name (so plans are stable and diffable). Mocks compute
 * nothing else, so every value a component reads back from a resource must be produced here.
 * Every ARN is built by core/partition (`arn()`, `arns.*`), the builders the program uses: no ARN
 * format is spelled here, API Gateway's management ARNs (`apiGatewayArns`, no account) included.
 * A resource type not listed below is recorded in `unknownTypes` (the plan warns).
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import {
  PARTITIONS,
  apiGatewayArns,
  arn as arn_,
  arns,
  httpApiEndpoint,
  partitionFacts,
  type DeployTarget,
  type PartitionId,
} from "../core/partition";

export interface MockTarget {
  stack: string;
  partition: PartitionId;
  region: string;
  accountId: string;
}

export interface RecordingMocks extends pulumi.runtime.Mocks {
  /** Invoke tokens the mocks do not know: a test fails on any (throwing would lose the message). */
  readonly unknownCalls: string[];
  /** Resource types the mocks do not know, so their computed outputs would be missing. */
  readonly unknownTypes: string[];
}

/** A stable, realistic-looking account id per partition (12 digits, not a documentation id). */
export function accountIdFor(partition: PartitionId): string {
  return partition === "aws-cn" ? "528715093461" : "491632840957";
}

type State = Record<string, unknown>;

/**
 * Route 53 hosted zone of API Gateway's regional endpoints, as `get-domain-names` reports it
 * (regionalHostedZoneId; docs/testing.md, "Pulumi without the CLI"). Regions not listed get a
 * stable stand-in of the same shape.
 */
const API_GATEWAY_ZONES: Readonly<Record<string, string>> = { "us-east-1": "Z1UJRXOUMOOFQ8" };

export function createMocks(target: MockTarget): RecordingMocks {
  const { partition: p, region, accountId: acct, stack } = target;
  // Every ARN below comes from core/partition's builders: the program and the mocks share them.
  // Built on first use: a region the partition table refuses is the program's config error to
  // report (before any resource), not the mocks'.
  let facts: DeployTarget | undefined;
  const deployTarget = () => (facts ??= { ...partitionFacts(p, region), accountId: acct });
  const dnsSuffix = PARTITIONS[p].dnsSuffix;
  const unknownCalls: string[] = [];
  const unknownTypes: string[] = [];

  const digest = (...parts: string[]) =>
    createHash("sha256")
      .update([stack, ...parts].join("\0"))
      .digest("hex");
  const uuid = (...parts: string[]) => {
    const h = digest(...parts);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };
  /** Lower-case base-36 id of `length` characters (API Gateway ids, domain targets). */
  const base36 = (length: number, ...parts: string[]) =>
    BigInt(`0x${digest(...parts).slice(0, 24)}`)
      .toString(36)
      .slice(0, length)
      .padStart(length, "0");
  /** IAM unique ids: a 4-letter prefix (AROA role, ANPA policy) and 17 upper-case characters. */
  const iamId = (prefix: string, ...parts: string[]) =>
    `${prefix}${digest(...parts)
      .slice(0, 17)
      .toUpperCase()}`;
  /** Pulumi auto-naming: `<resource name>-<7 hex>` unless a name was given. */
  const autoName = (args: pulumi.runtime.MockResourceArgs, key = "name") =>
    typeof args.inputs[key] === "string"
      ? (args.inputs[key] as string)
      : `${args.name}-${digest(args.type, args.name).slice(0, 7)}`;
  const apiId = (name: string) => base36(10, "api", name);

  /** @pulumi/aws v7 reports the region on every regional resource (IAM is global). */
  function withRegion(result: { id: string; state: State }, type: string) {
    if (type.startsWith("aws:") && !type.startsWith("aws:iam/")) {
      result.state = { region, ...result.state };
    }
    return result;
  }

  function newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: State } {
    return withRegion(resourceState(args), args.type);
  }

  function resourceState(args: pulumi.runtime.MockResourceArgs): { id: string; state: State } {
    const inputs = args.inputs as State;
    const str = (key: string) => String(inputs[key] ?? "");
    // Component resources have no provider and no computed state.
    if (args.custom === false) return { id: "", state: {} };
    const t = deployTarget();
    switch (args.type) {
      case "aws:cognito/identityPool:IdentityPool": {
        const id = `${region}:${uuid(args.type, args.name)}`;
        return { id, state: { ...inputs, arn: arns.identityPool(t, id) } };
      }
      case "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment":
        return { id: str("identityPoolId"), state: inputs };
      case "aws:iam/role:Role": {
        const name = autoName(args);
        return {
          id: name,
          state: { ...inputs, name, uniqueId: iamId("AROA", args.name), arn: arns.role(t, name) },
        };
      }
      case "aws:iam/rolePolicy:RolePolicy": {
        const name = autoName(args);
        return { id: `${str("role")}:${name}`, state: { ...inputs, name } };
      }
      case "aws:iam/policy:Policy": {
        const name = autoName(args);
        const policyPath = str("path") || "/";
        const arn = arns.policy(t, name, policyPath);
        return {
          id: arn,
          state: {
            ...inputs,
            name,
            path: policyPath,
            arn,
            policyId: iamId("ANPA", args.type, args.name),
            attachmentCount: 0,
          },
        };
      }
      case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
        return { id: `${str("role")}-${digest(args.type, args.name).slice(0, 26)}`, state: inputs };
      case "aws:dynamodb/table:Table": {
        const name = autoName(args);
        const arn = arns.table(t, name);
        const stream =
          inputs.streamEnabled === true
            ? { streamArn: `${arn}/stream/2026-01-01T00:00:00.000` }
            : {};
        return { id: name, state: { ...inputs, name, arn, ...stream } };
      }
      case "aws:secretsmanager/secret:Secret": {
        const name = autoName(args);
        // Secrets Manager appends `-` and six random characters to the name in the ARN.
        const arn = arns.secret(t, name, digest("secret", args.name).slice(0, 6));
        return { id: arn, state: { ...inputs, name, arn } };
      }
      case "aws:secretsmanager/secretVersion:SecretVersion": {
        const versionId = uuid(args.type, args.name);
        return {
          id: `${str("secretId")}|${versionId}`,
          state: { ...inputs, arn: str("secretId"), versionId, versionStages: ["AWSCURRENT"] },
        };
      }
      case "aws:cloudwatch/logGroup:LogGroup": {
        const name = autoName(args);
        return { id: name, state: { ...inputs, name, arn: arns.logGroup(t, name) } };
      }
      case "aws:cloudwatch/metricAlarm:MetricAlarm": {
        const name = autoName(args);
        return {
          id: name,
          state: { ...inputs, name, arn: arns.metricAlarm(t, name) },
        };
      }
      case "aws:cloudwatch/dashboard:Dashboard": {
        const name = autoName(args, "dashboardName");
        const dashboardArn = arns.dashboard(t, name);
        return { id: name, state: { ...inputs, dashboardName: name, dashboardArn } };
      }
      case "aws:sns/topic:Topic": {
        const name = autoName(args);
        const arn = arns.snsTopic(t, name);
        return { id: arn, state: { ...inputs, name, arn, owner: acct } };
      }
      case "aws:sns/topicSubscription:TopicSubscription": {
        const arn = `${str("topic")}:${digest(args.name).slice(0, 8)}`;
        return { id: arn, state: { ...inputs, arn } };
      }
      case "aws:cloudwatch/logMetricFilter:LogMetricFilter":
        return { id: autoName(args), state: { ...inputs, name: autoName(args) } };
      case "aws:lambda/function:Function": {
        const name = autoName(args);
        const arn = arns.lambdaFunction(t, name);
        return {
          id: name,
          state: {
            ...inputs,
            name,
            arn,
            qualifiedArn: `${arn}:$LATEST`,
            version: "$LATEST",
            invokeArn: arns.lambdaInvocation(t, arn),
            qualifiedInvokeArn: arns.lambdaInvocation(t, `${arn}:$LATEST`),
          },
        };
      }
      case "aws:lambda/permission:Permission":
        return { id: str("statementId") || autoName(args), state: inputs };
      case "aws:lambda/functionUrl:FunctionUrl": {
        // Function URLs live under `lambda-url.<region>.on.aws`, none in aws-cn (docs/testing.md,
        // "Pulumi without the CLI").
        const urlId = base36(32, args.type, args.name);
        return {
          id: str("functionName"),
          state: { ...inputs, urlId, functionUrl: `https://${urlId}.lambda-url.${region}.on.aws/` },
        };
      }
      case "aws:apigatewayv2/api:Api": {
        const id = apiId(args.name);
        return {
          id,
          state: {
            ...inputs,
            arn: apiGatewayArns.api(t, id),
            apiEndpoint: httpApiEndpoint(t, id),
            executionArn: arns.apiExecution(t, id),
          },
        };
      }
      case "aws:apigatewayv2/stage:Stage": {
        const name = str("name") || "$default";
        const api = str("apiId");
        const stagePath = name === "$default" ? "" : name;
        return {
          id: name,
          state: {
            ...inputs,
            name,
            arn: apiGatewayArns.stage(t, api, name),
            invokeUrl: `${httpApiEndpoint(t, api)}/${stagePath}`,
            executionArn: arns.apiExecution(t, api, name),
          },
        };
      }
      case "aws:apigatewayv2/integration:Integration":
      case "aws:apigatewayv2/route:Route":
        return { id: base36(7, args.type, args.name), state: inputs };
      case "aws:apigatewayv2/domainName:DomainName": {
        // Pulumi's `domainNameConfiguration` is the API's DomainNameConfigurations[0]: API
        // Gateway adds the regional target (`d-<id>.execute-api...`) and its hosted zone.
        const domainName = str("domainName");
        const config = (inputs.domainNameConfiguration ?? {}) as State;
        const hostedZoneId =
          API_GATEWAY_ZONES[region] ?? `Z${digest("zone", region).slice(0, 13).toUpperCase()}`;
        const target = `d-${base36(10, args.type, domainName)}.execute-api.${region}.${dnsSuffix}`;
        return {
          id: domainName,
          state: {
            ...inputs,
            arn: apiGatewayArns.domainName(t, domainName),
            apiMappingSelectionExpression: "$request.basepath",
            domainNameConfiguration: { ...config, targetDomainName: target, hostedZoneId },
          },
        };
      }
      case "aws:apigatewayv2/apiMapping:ApiMapping":
        return { id: base36(6, args.type, args.name), state: inputs };
      case "aws:route53/record:Record": {
        const name = str("name");
        return {
          id: `${str("zoneId")}_${name}_${str("type")}`,
          state: { ...inputs, fqdn: name.replace(/\.$/, "") },
        };
      }
      default:
        unknownTypes.push(args.type);
        return { id: `${args.name}-${digest(args.name).slice(0, 8)}`, state: inputs };
    }
  }

  function call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    switch (args.token) {
      case "aws:index/getPartition:getPartition":
        return {
          id: p,
          partition: p,
          dnsSuffix,
          reverseDnsPrefix: dnsSuffix.split(".").reverse().join("."),
        };
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return {
          id: acct,
          accountId: acct,
          arn: arn_({ partition: p }, "iam", "", acct, "user/platform-deployer"),
          userId: iamId("AIDA", "caller"),
        };
      case "aws:index/getRegion:getRegion":
        return { id: region, region, name: region, endpoint: `ec2.${region}.${dnsSuffix}` };
      default:
        // Don't throw here: the message would be lost and the jest worker can die (docs/testing.md).
        unknownCalls.push(args.token);
        return {};
    }
  }

  return { newResource, call, unknownCalls, unknownTypes };
}
