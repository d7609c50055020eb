/**
 * guest-session-policy (advisory): actions granted to the guest role that AWS's session policy
 * for enhanced-flow guests silently removes.
 *
 * Why: Cognito scopes enhanced-flow guest credentials down with the managed session policy
 * AmazonCognitoUnAuthedIdentitiesSessionPolicy; guests get only the intersection with the role
 * (docs/cognito.md, "Guests and the session policy"; the list is core/guestSessionPolicy.ts). A
 * grant outside it works in the basic flow and fails in the enhanced flow with AccessDenied, with
 * nothing in the role to explain why. The stack's own IAM-authorized routes are exempt: guests
 * sign them with basic-flow credentials by design (docs/guest-signing.md).
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { guestSessionKeeps } from "../../core/guestSessionPolicy";
import { cognitoRoles, documentsOfRole } from "./roleGrants";
import { idsOf } from "./stack";
import { TYPES } from "./types";
import { asStrings, isAllow, splitArn, statementLabel } from "./util";

export const guestSessionPolicy: StackValidationPolicy = {
  name: "guest-session-policy",
  description:
    "Warns about guest-role actions that the enhanced flow's guest session policy removes.",
  enforcementLevel: "advisory",
  validateStack: (args, reportViolation) => {
    const resources: readonly PolicyResource[] = args.resources;
    const apis = idsOf(resources.filter((r) => r.type === TYPES.api));
    // With an API id unknown (preview, some plans) any execute-api ARN may be one of its routes.
    const ownRoute = (resource: string) => {
      const arn = splitArn(resource);
      if (arn?.service !== "execute-api") return false;
      return !apis.all || apis.ids.has(arn.resource.split("/")[0] ?? "");
    };
    for (const { role, kinds } of cognitoRoles(resources)) {
      if (!kinds.has("unauthenticated")) continue;
      for (const doc of documentsOfRole(role, resources)) {
        doc.statements.forEach((statement, i) => {
          if (!isAllow(statement)) return;
          const resources = asStrings(statement["Resource"]);
          const removed = asStrings(statement["Action"]).filter((action) => {
            if (guestSessionKeeps(action) === "kept") return false;
            return !(action.toLowerCase() === "execute-api:invoke" && resources.every(ownRoute));
          });
          if (removed.length === 0) return;
          reportViolation(
            `Guest role '${role.name}' is granted ${removed.join(", ")} in ${doc.source} ` +
              `${statementLabel(statement, i)}, which the guest session policy of the enhanced ` +
              `flow removes (or keeps only in part) from guest credentials: enhanced-flow guests ` +
              `get AccessDenied. Grant it to signed-in users, or have guests use the basic flow ` +
              `(docs/cognito.md, "Guests and the session policy").`,
            doc.urn,
          );
        });
      }
    }
  },
};
