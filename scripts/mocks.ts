/**
 * Pulumi mocks that answer like AWS would: partition-correct ARNs, real-looking ids and names,
 * deterministic per stack and resource name (so plans are stable and diffable). Mocks compute
 * nothing else, so every value a component reads back from a resource must be produced here.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { PARTITIONS, type PartitionId } from "../core/partition";

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

export function createMocks(target: MockTarget): RecordingMocks {
  const { partition: p, region, accountId: acct, stack } = target;
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
  /** Pulumi auto-naming: `<resource name>-<7 hex>` unless a name was given. */
  const autoName = (args: pulumi.runtime.MockResourceArgs, key = "name") =>
    typeof args.inputs[key] === "string"
      ? (args.inputs[key] as string)
      : `${args.name}-${digest(args.type, args.name).slice(0, 7)}`;
  const apiId = (name: string) =>
    BigInt(`0x${digest("api", name).slice(0, 15)}`)
      .toString(36)
      .slice(0, 10)
      .padStart(10, "0");

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
    switch (args.type) {
      case "aws:cognito/identityPool:IdentityPool": {
        const id = `${region}:${uuid(args.type, args.name)}`;
        return {
          id,
          state: {
            ...inputs,
            arn: `arn:${p}:cognito-identity:${region}:${acct}:identitypool/${id}`,
          },
        };
      }
      case "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment":
        return { id: str("identityPoolId"), state: inputs };
      case "aws:iam/role:Role": {
        const name = autoName(args);
        const uniqueId = `AROA${digest(args.name).slice(0, 17).toUpperCase()}`;
        return {
          id: name,
          state: { ...inputs, name, uniqueId, arn: `arn:${p}:iam::${acct}:role/${name}` },
        };
      }
      case "aws:iam/rolePolicy:RolePolicy": {
        const name = autoName(args);
        return { id: `${str("role")}:${name}`, state: { ...inputs, name } };
      }
      case "aws:dynamodb/table:Table": {
        const name = autoName(args);
        return {
          id: name,
          state: { ...inputs, name, arn: `arn:${p}:dynamodb:${region}:${acct}:table/${name}` },
        };
      }
      case "aws:secretsmanager/secret:Secret": {
        const name = autoName(args);
        const suffix = digest("secret", args.name).slice(0, 6);
        const arn = `arn:${p}:secretsmanager:${region}:${acct}:secret:${name}-${suffix}`;
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
        return {
          id: name,
          state: { ...inputs, name, arn: `arn:${p}:logs:${region}:${acct}:log-group:${name}` },
        };
      }
      case "aws:lambda/function:Function": {
        const name = autoName(args);
        const arn = `arn:${p}:lambda:${region}:${acct}:function:${name}`;
        return {
          id: name,
          state: {
            ...inputs,
            name,
            arn,
            qualifiedArn: `${arn}:$LATEST`,
            version: "$LATEST",
            invokeArn: `arn:${p}:apigateway:${region}:lambda:path/2015-03-31/functions/${arn}/invocations`,
          },
        };
      }
      case "aws:lambda/permission:Permission":
        return { id: str("statementId") || autoName(args), state: inputs };
      case "aws:apigatewayv2/api:Api": {
        const id = apiId(args.name);
        return {
          id,
          state: {
            ...inputs,
            apiEndpoint: `https://${id}.execute-api.${region}.${dnsSuffix}`,
            executionArn: `arn:${p}:execute-api:${region}:${acct}:${id}`,
            arn: `arn:${p}:apigateway:${region}::/apis/${id}`,
          },
        };
      }
      case "aws:apigatewayv2/stage:Stage": {
        const name = str("name") || "$default";
        const api = str("apiId");
        const path = name === "$default" ? "" : name;
        return {
          id: name,
          state: {
            ...inputs,
            name,
            invokeUrl: `https://${api}.execute-api.${region}.${dnsSuffix}/${path}`,
            executionArn: `arn:${p}:execute-api:${region}:${acct}:${api}/${name}`,
            arn: `arn:${p}:apigateway:${region}::/apis/${api}/stages/${name}`,
          },
        };
      }
      case "aws:apigatewayv2/integration:Integration":
      case "aws:apigatewayv2/route:Route":
        return { id: digest(args.type, args.name).slice(0, 7), state: inputs };
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
          arn: `arn:${p}:iam::${acct}:user/platform-deployer`,
          userId: `AIDA${digest("caller").slice(0, 17).toUpperCase()}`,
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
