/**
 * account-route-iam: the self-service account routes (`/account` and below, e.g. `DELETE
 * /account`) are AWS_IAM-authorized.
 *
 * Why: account deletion acts on the caller's own identity, and only a SigV4-signed request names
 * it (API Gateway puts the signer's Cognito IdentityId in the request context); with any other
 * authorization the route is open to anyone on the internet and names nobody (docs/users.md,
 * "Account deletion"). Login routes may be public (`loginAuth: none`); these never.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { ACCOUNT_ROUTE } from "../../core/routes";
import { TYPES } from "./types";
import { isUnknown } from "./util";

/** The account route's path (core/routes.ts) and everything under it. */
const underAccount = (path: string): boolean =>
  path === ACCOUNT_ROUTE.path || path.startsWith(`${ACCOUNT_ROUTE.path}/`);

export const accountRouteIam: ResourceValidationPolicy = {
  name: "account-route-iam",
  description: "API routes under /account (account deletion) must use authorizationType AWS_IAM.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.route) return;
    const routeKey = args.props["routeKey"];
    const auth = args.props["authorizationType"];
    if (typeof routeKey !== "string" || isUnknown(routeKey) || isUnknown(auth)) return;
    const path = routeKey.split(" ")[1] ?? "";
    if (!underAccount(path) || auth === "AWS_IAM") return;
    reportViolation(
      `API route '${args.name}' (${routeKey}) has authorizationType ` +
        `${typeof auth === "string" && auth !== "" ? auth : "unset (NONE)"}: an account route acts ` +
        "on the caller's own identity, which only a SigV4-signed request names. Set " +
        "authorizationType AWS_IAM.",
    );
  },
};
