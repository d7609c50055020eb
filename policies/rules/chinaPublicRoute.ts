/**
 * china-public-route: in aws-cn, every public entry point needs an ICP filing AND an ICP-filed
 * custom domain mapped to its API; Lambda function URLs are not there at all.
 *
 * An entry point is public when it serves requests that are not signed with SigV4: an HTTP or
 * WebSocket API route (`aws.apigatewayv2.Route`, `$default` included) whose `authorizationType`
 * is not AWS_IAM, the implicit `$default` route of a quick-create API (`Api.target`), an API
 * defined by an OpenAPI `body` (its routes are not resources the pack can read, so it counts as
 * public), and a REST API method (`aws.apigateway.Method`) whose `authorization` is not AWS_IAM
 * on a REST API that is not PRIVATE. A JWT, Lambda (CUSTOM) or user-pool authorizer does not
 * change that: anyone can still reach the route; the authorizer only decides the response.
 *
 * Why: in AWS China, API Gateway serves requests from the public internet only for accounts with
 * an ICP filing (ICP备案); an IAM-authorized route works without it (docs/aws-china.md, "API
 * Gateway"). The filing covers a domain, and WeChat mini-programs call only ICP-filed domains on
 * their allow-list (docs/wechat.md), so a public API is served under the account's own custom
 * domain (`DomainName` + `ApiMapping`, or `BasePathMapping` for REST), never only on the
 * execute-api host. Lambda has no function URLs in AWS China (docs/aws-china.md, "Lambda").
 *
 * The acknowledgement: tag the API (routes and methods have no tags), or its mapped custom
 * domain, with `icp-filing` = the account's ICP number in the MIIT format (core/ids.ts
 * ICP_FILING_NUMBER, e.g. `京ICP备12345678号`).
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { isIcpFilingNumber } from "../../core/ids";
import { ICP_FILING_TAG } from "../../core/vocabulary";
import { resolveRegion, stackRegion, type ResolvedRegion } from "./partition";
import { referenced } from "./stack";
import { TYPES } from "./types";
import { asStrings, isRecord, isUnknown, raw } from "./util";

/** The only authorization that does not make an entry point public. */
export const IAM_AUTHORIZATION = "AWS_IAM";

/** A public entry point and what serving it from China takes. */
interface PublicEntryPoint {
  resource: PolicyResource;
  /** e.g. `API route 'login' (POST /login)`. */
  subject: string;
  /** Why it is public, e.g. `has authorizationType NONE, so it is public`. */
  why: string;
  api: PolicyResource | undefined;
  /** How to make it private instead. */
  privateFix: string;
}

interface Stack {
  apis: PolicyResource[];
  restApis: PolicyResource[];
  domains: PolicyResource[];
  mappings: PolicyResource[];
}

const hasIcpTag = (r: PolicyResource) =>
  ["tags", "tagsAll"].some((key) => {
    const tags = raw(r.props)[key];
    return isRecord(tags) && isIcpFilingNumber(tags[ICP_FILING_TAG]);
  });

/** The stack's custom domains mapped to `api`. */
function domainsOf(api: PolicyResource, stack: Stack): PolicyResource[] {
  return stack.mappings.flatMap((mapping) => {
    const isRest = mapping.type === TYPES.basePathMapping;
    const target = isRest
      ? referenced(mapping, "restApi", stack.restApis)
      : referenced(mapping, "apiId", [...stack.apis, ...stack.restApis]);
    if (target !== api) return [];
    const domain = referenced(mapping, "domainName", stack.domains);
    return domain ? [domain] : [];
  });
}

function authLabel(value: unknown, implicit = "unset (NONE)"): string {
  return typeof value === "string" && value !== "" ? value : implicit;
}

/** Every public entry point of the stack (resources only; callers pick the region). */
function publicEntryPoints(resources: readonly PolicyResource[], stack: Stack) {
  const out: PublicEntryPoint[] = [];
  for (const r of resources) {
    const props = raw(r.props);
    if (r.type === TYPES.route) {
      const auth = props["authorizationType"];
      if (auth === IAM_AUTHORIZATION || isUnknown(auth)) continue; // unknown: checked on `up`
      const key = typeof props["routeKey"] === "string" ? ` (${props["routeKey"]})` : "";
      out.push({
        resource: r,
        subject: `API route '${r.name}'${key}`,
        why: `has authorizationType ${authLabel(auth)}, so it is public`,
        api: referenced(r, "apiId", stack.apis),
        privateFix: "use loginAuth: iam (authorizationType AWS_IAM)",
      });
    } else if (r.type === TYPES.method) {
      const auth = props["authorization"];
      if (auth === IAM_AUTHORIZATION || isUnknown(auth)) continue;
      const api = referenced(r, "restApi", stack.restApis);
      if (api && isPrivateRestApi(api)) continue;
      const verb = typeof props["httpMethod"] === "string" ? ` (${props["httpMethod"]})` : "";
      out.push({
        resource: r,
        subject: `REST API method '${r.name}'${verb}`,
        why: `has authorization ${authLabel(auth)}, so it is public`,
        api,
        privateFix: "set authorization AWS_IAM",
      });
    } else if (r.type === TYPES.api || r.type === TYPES.restApi) {
      if (r.type === TYPES.restApi && isPrivateRestApi(r)) continue;
      const why =
        props["body"] !== undefined
          ? "is defined by an OpenAPI body whose routes cannot be checked, so it counts as public"
          : r.type === TYPES.api && props["target"] !== undefined
            ? "has a quick-create target, which adds a $default route with authorizationType NONE, so it is public"
            : undefined;
      if (why === undefined) continue;
      out.push({
        resource: r,
        subject: `API '${r.name}'`,
        why,
        api: r,
        privateFix: "define its routes as resources with authorizationType AWS_IAM",
      });
    }
  }
  return out;
}

function isPrivateRestApi(api: PolicyResource): boolean {
  const config = raw(api.props)["endpointConfiguration"];
  return isRecord(config) && asStrings(config["types"]).includes("PRIVATE");
}

function inChina(r: PolicyResource, fallback: ResolvedRegion | undefined) {
  const region = resolveRegion(r, fallback);
  // arn-partition reports undeterminable regions.
  return region?.partition === "aws-cn" ? region : undefined;
}

export const chinaPublicRoute: StackValidationPolicy = {
  name: "china-public-route",
  description:
    "In aws-cn, public API routes and methods need an icp-filing tag and an ICP-filed custom domain mapped to their API; no Lambda function URLs.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const resources: readonly PolicyResource[] = args.resources;
    const fallback = stackRegion(resources);
    const ofType = (...types: string[]) => resources.filter((r) => types.includes(r.type));
    const stack: Stack = {
      apis: ofType(TYPES.api),
      restApis: ofType(TYPES.restApi),
      domains: ofType(TYPES.domainName, TYPES.restDomainName),
      mappings: ofType(TYPES.apiMapping, TYPES.basePathMapping),
    };

    for (const url of ofType(TYPES.functionUrl)) {
      const region = inChina(url, fallback);
      if (!region) continue;
      reportViolation(
        `Lambda function URL '${url.name}' in ${region.region}: AWS China has no Lambda function ` +
          `URLs, so it cannot be deployed (and would be a public entry point without an ICP ` +
          `filing); serve the function through an API Gateway route instead.`,
        url.urn,
      );
    }

    for (const entry of publicEntryPoints(resources, stack)) {
      const region = inChina(entry.resource, fallback);
      if (!region) continue;
      const domains = entry.api ? domainsOf(entry.api, stack) : [];
      const isRest = entry.api?.type === TYPES.restApi;
      const missing = [
        entry.api && [entry.api, ...domains].some(hasIcpTag)
          ? []
          : [
              `an ${ICP_FILING_TAG}=<ICP filing number, e.g. 京ICP备12345678号> tag (on the API or its custom domain)`,
            ],
        domains.length > 0
          ? []
          : [
              `an ICP-filed custom domain mapped to it (${isRest ? "aws.apigateway.DomainName + aws.apigateway.BasePathMapping" : "aws.apigatewayv2.DomainName + aws.apigatewayv2.ApiMapping"})`,
            ],
      ].flat();
      if (missing.length === 0) continue;
      reportViolation(
        `${entry.subject} in ${region.region} ${entry.why} and unauthenticated requests are ` +
          `served only if the account has an ICP filing; ${entry.privateFix}, or give the API ` +
          `${missing.join(" and ")}.`,
        entry.resource.urn,
      );
    }
  },
};
