/**
 * china-public-route: in aws-cn, HTTP API routes must be IAM-authorized unless the account has an
 * ICP filing.
 *
 * Why: in AWS China, API Gateway serves requests from the public internet only for accounts with
 * an ICP filing (ICP备案); an IAM-authorized (SigV4) route works without it (AWS China docs, "API
 * Gateway" feature availability; docs/aws-china.md, "API Gateway"). A JWT or Lambda (CUSTOM)
 * authorizer does not change that: anyone can still reach the route, the authorizer only decides
 * the response, so only AWS_IAM counts; NONE, unset, JWT and CUSTOM all need the filing.
 *
 * Escape hatch (explicit, per API, does not weaken the default): tag the route's
 * `aws.apigatewayv2.Api` with `icp-filing` = the account's ICP number in the MIIT format
 * (`ICP_FILING_RE` in ./icp, e.g. `京ICP备12345678号`). Routes have no tags, so the acknowledgement
 * lives on the API that owns them.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { isIcpFilingNumber } from "./icp";
import { resolveRegion, stackRegion } from "./partition";
import { isRecord, isUnknown, raw } from "./util";

export const ROUTE_TYPE = "aws:apigatewayv2/route:Route";
export const API_TYPE = "aws:apigatewayv2/api:Api";
export const ICP_TAG = "icp-filing";

/** The only authorization type that does not need an ICP filing in China. */
export const IAM_AUTHORIZATION = "AWS_IAM";

function icpTag(api: PolicyResource): string | undefined {
  const props = raw(api.props);
  for (const key of ["tags", "tagsAll"]) {
    const tags = props[key];
    if (isRecord(tags) && isIcpFilingNumber(tags[ICP_TAG])) return tags[ICP_TAG];
  }
  return undefined;
}

/** The Api a route belongs to: by property dependency, by id, or the stack's only Api. */
function apiOf(route: PolicyResource, apis: readonly PolicyResource[]): PolicyResource | undefined {
  const byDependency = (route.propertyDependencies?.["apiId"] ?? []).find(
    (d) => d.type === API_TYPE,
  );
  if (byDependency) return byDependency;
  const apiId = raw(route.props)["apiId"];
  const knownId = (a: PolicyResource) => {
    const id = raw(a.props)["id"];
    return typeof id === "string" && !isUnknown(id) ? id : undefined;
  };
  if (typeof apiId === "string" && !isUnknown(apiId)) {
    const byId = apis.find((a) => knownId(a) === apiId);
    if (byId) return byId;
  }
  // Unknown apiId (preview) or a plan of inputs only (no API ids): the stack's only API, if its id
  // is not known to be different.
  const only = apis.length === 1 ? apis[0] : undefined;
  return only && knownId(only) === undefined ? only : undefined;
}

export const chinaPublicRoute: StackValidationPolicy = {
  name: "china-public-route",
  description:
    "In aws-cn, API routes must use AWS_IAM auth unless the API is tagged icp-filing=<ICP filing number>.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const resources: readonly PolicyResource[] = args.resources;
    const fallback = stackRegion(resources);
    const apis = resources.filter((r) => r.type === API_TYPE);
    for (const route of resources) {
      if (route.type !== ROUTE_TYPE) continue;
      const region = resolveRegion(route, fallback);
      if (region?.partition !== "aws-cn") continue; // arn-partition reports undeterminable regions
      const props = raw(route.props);
      const auth = props["authorizationType"];
      if (auth === IAM_AUTHORIZATION || isUnknown(auth)) continue; // unknown: checked on `up`
      const api = apiOf(route, apis);
      if (api && icpTag(api) !== undefined) continue;
      const routeKey = typeof props["routeKey"] === "string" ? ` (${props["routeKey"]})` : "";
      const authLabel = typeof auth === "string" && auth !== "" ? auth : "unset (NONE)";
      reportViolation(
        `API route '${route.name}'${routeKey} in ${region.region} has authorizationType ` +
          `${authLabel}, so it is public and unauthenticated requests are served only if the ` +
          `account has an ICP filing; use loginAuth: iam (authorizationType AWS_IAM), or tag the ` +
          `API with ${ICP_TAG}=<ICP filing number, e.g. 京ICP备12345678号>.`,
        route.urn,
      );
    }
  },
};
