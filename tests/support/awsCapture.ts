/**
 * Where a function's AWS requests leave it: a recording forwarder on 127.0.0.1 that the function's
 * `AWS_ENDPOINT_URL_<SERVICE>` (and the generic `AWS_ENDPOINT_URL`) point at. Every request is
 * recorded as sent (signature scope, access key, operation, body) and passed on to the stand-in of
 * its service; a request to a service without a stand-in is recorded and refused. What IAM
 * authorizes for a recorded request (`authorizationOf`) follows the Service Authorization
 * Reference per operation; an operation not listed there throws, so a new call fails the test
 * until its authorization is written down (and granted).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { arn, partitionOfRegion } from "../../core/partition";
import { forward } from "../functions/fake-upstreams";
import type { AuthorizationRequest } from "./iam";

export interface CapturedRequest {
  /** The endpoint's service (the environment variable it came through), or `generic`. */
  readonly endpoint: string;
  /** SigV4 credential scope, when signed. */
  readonly signed?: { accessKeyId: string; region: string; service: string };
  /** `X-Amz-Target`'s operation or the query protocol's `Action`. */
  readonly operation: string;
  /** The JSON body, or the form's fields (query protocol). */
  readonly input: Record<string, unknown>;
}

export interface Capture {
  readonly requests: CapturedRequest[];
  /** `AWS_ENDPOINT_URL_*` and `AWS_ENDPOINT_URL` for the function's environment. */
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

const SCOPE = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;

function parse(endpoint: string, headers: Record<string, unknown>, body: string): CapturedRequest {
  const auth = String(headers["authorization"] ?? "");
  const scope = SCOPE.exec(auth);
  const signed = scope
    ? { accessKeyId: scope[1] as string, region: scope[2] as string, service: scope[3] as string }
    : undefined;
  const target = headers["x-amz-target"];
  if (typeof target === "string") {
    const input = body.trim() === "" ? {} : (JSON.parse(body) as Record<string, unknown>);
    return { endpoint, signed, operation: target.slice(target.indexOf(".") + 1), input };
  }
  const form = Object.fromEntries(new URLSearchParams(body));
  return { endpoint, signed, operation: form["Action"] ?? "", input: form };
}

/** A recorder per upstream (`AWS_ENDPOINT_URL_<id>` -> stand-in URL), plus the generic one. */
export async function startCapture(upstreams: Record<string, string>): Promise<Capture> {
  const requests: CapturedRequest[] = [];
  const servers: Server[] = [];
  const env: Record<string, string> = {};
  for (const id of [...Object.keys(upstreams), ""]) {
    const upstream = upstreams[id];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        requests.push(parse(id || "generic", req.headers, body.toString("utf8")));
        if (upstream === undefined) {
          res.writeHead(400, { "content-type": "application/x-amz-json-1.1" });
          res.end(JSON.stringify({ __type: "UnknownOperationException" }));
          return;
        }
        forward(req, res, body, upstream);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    servers.push(server);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    env[id === "" ? "AWS_ENDPOINT_URL" : `AWS_ENDPOINT_URL_${id}`] = url;
  }
  return {
    requests,
    env,
    close: async () => {
      for (const s of servers) s.closeAllConnections();
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    },
  };
}

/** What the request names that IAM needs but the body does not carry. */
export interface Account {
  readonly accountId: string;
  /** The identity pool a DeleteIdentities request's identities belong to (the body names none). */
  readonly identityPoolId: string;
}

export type Authorization =
  | { readonly kind: "signed"; readonly request: AuthorizationRequest }
  /** An unsigned operation: the caller's token (not IAM credentials) authorizes it. */
  | { readonly kind: "unsigned"; readonly why: string };

const str = (input: Record<string, unknown>, key: string): string => {
  const v = input[key];
  if (typeof v !== "string" || v === "") throw new Error(`request has no ${key}`);
  return v;
};

/** The partition key value of an item operation (the mapping table's key is `pk`, a string). */
const leadingKey = (key: unknown): string[] => {
  const pk = (key as { pk?: { S?: string } } | undefined)?.pk?.S;
  return pk === undefined ? [] : [pk];
};

type Model = (
  input: Record<string, unknown>,
  at: { arn: (resource: string) => string; account: Account },
) => { resource: string; context?: Record<string, string | string[]> };

/**
 * Per `service:Operation`, the resource IAM authorizes and the service's condition keys the request
 * sets (Service Authorization Reference: "Actions, resources, and condition keys for Amazon
 * DynamoDB / Amazon Cognito Identity / AWS Secrets Manager"; docs/cognito.md, "IAM of the
 * functions' calls").
 */
const MODELS: Record<string, Model> = {
  // DynamoDB: table/<name>; an index query authorizes table/<name>/index/<index> only.
  ...Object.fromEntries(
    (["GetItem", "PutItem", "UpdateItem", "DeleteItem"] as const).map((op): [string, Model] => [
      `dynamodb:${op}`,
      (i, at) => ({
        resource: at.arn(`table/${str(i, "TableName")}`),
        context: { "dynamodb:LeadingKeys": leadingKey(op === "PutItem" ? i["Item"] : i["Key"]) },
      }),
    ]),
  ),
  "dynamodb:Query": (i, at) => ({
    resource: at.arn(
      typeof i["IndexName"] === "string"
        ? `table/${str(i, "TableName")}/index/${i["IndexName"]}`
        : `table/${str(i, "TableName")}`,
    ),
  }),
  // Cognito Identity: identitypool/<id>, except DeleteIdentities, which has no resource type
  // (Resource "*") and sets cognito-identity:IdentityPoolArn.
  ...Object.fromEntries(
    [
      "GetOpenIdTokenForDeveloperIdentity",
      "MergeDeveloperIdentities",
      "LookupDeveloperIdentity",
      "UnlinkDeveloperIdentity",
    ].map((op): [string, Model] => [
      `cognito-identity:${op}`,
      (i, at) => ({ resource: at.arn(`identitypool/${str(i, "IdentityPoolId")}`) }),
    ]),
  ),
  "cognito-identity:DeleteIdentities": (_i, at) => ({
    resource: "*",
    context: {
      "cognito-identity:IdentityPoolArn": at.arn(`identitypool/${at.account.identityPoolId}`),
    },
  }),
  // Secrets Manager: the secret's full ARN (name, `-` and six random characters).
  "secretsmanager:GetSecretValue": (i) => {
    const id = str(i, "SecretId");
    if (!id.startsWith("arn:")) throw new Error(`SecretId ${id} is a name: resolve it to an ARN`);
    return { resource: id, context: { "secretsmanager:SecretId": id } };
  },
};

/**
 * Operations sent unsigned, by the endpoint they came through (`AWS_ENDPOINT_URL_<id>`), and why
 * no IAM permission of the caller is involved. Any other unsigned request fails.
 */
const UNSIGNED: Record<string, string> = {
  "STS:AssumeRoleWithWebIdentity":
    "authorized by the web identity token and the role's trust policy, sent unsigned " +
    "(STS API Reference, AssumeRoleWithWebIdentity: no AWS credentials needed)",
};

/** What IAM authorizes for `r`; throws for an operation this model does not know. */
export function authorizationOf(r: CapturedRequest, account: Account): Authorization {
  if (!r.signed) {
    const why = UNSIGNED[`${r.endpoint}:${r.operation}`];
    if (why === undefined)
      throw new Error(`unsigned ${r.endpoint} ${r.operation}: not an unauthenticated operation`);
    return { kind: "unsigned", why };
  }
  const { region, service } = r.signed;
  const partition = partitionOfRegion(region);
  if (partition === undefined) throw new Error(`signed for region ${region} of no partition`);
  const action = `${service}:${r.operation}`;
  const model = MODELS[action];
  if (!model) {
    throw new Error(
      `${action}: no authorization model; add its resource type and condition keys from the ` +
        `Service Authorization Reference to tests/support/awsCapture.ts`,
    );
  }
  const at = {
    arn: (resource: string) => arn({ partition }, service, region, account.accountId, resource),
    account,
  };
  const { resource, context = {} } = model(r.input, at);
  return {
    kind: "signed",
    request: {
      action,
      resource,
      context: { "aws:RequestedRegion": region, ...context },
    },
  };
}
