/**
 * cognito-role-attachment: every link between an identity pool and a role stays inside the stack.
 * Each role attachment names an identity pool of this stack and hands out roles of this stack
 * whose trust pins THAT pool (`aud`) and the kind of identity they are handed to (`amr`); and every
 * role Cognito can assume pins a pool of this stack. This holds for every pool in the stack, not
 * only the one the program is built around.
 *
 * Why: cognito-trust-policy checks each role on its own, so a role pinned to another pool, or the
 * authenticated and guest roles swapped in the attachment, passes it. Cognito then either fails
 * every credential request (aud of another pool) or gives guests the signed-in role (swapped)
 * (Cognito developer guide, "Role trust and permissions", "IAM roles"). A role whose aud names a
 * pool outside the stack grants its permissions to whoever owns that pool; an attachment to a pool
 * outside the stack, or of a role outside it, cannot be checked at all.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { IDENTITY_POOL_ID } from "../../core/ids";
import { IDENTITY_KINDS, isOneOf, type IdentityKind } from "../../core/vocabulary";
import { cognitoPinsOf } from "./cognitoTrust";
import { iamResourceByArn, idsOf } from "./stack";
import { TYPES } from "./types";
import { asList, isRecord, known, raw } from "./util";

type Report = (message: string, urn?: string) => void;

/** A role trusted by Cognito pins a pool of this stack (when every pool id is known). */
function checkRolePools(
  roles: readonly PolicyResource[],
  pools: { ids: Set<string>; all: boolean },
  reportViolation: Report,
): void {
  if (!pools.all) return; // pool ids unknown during preview: checked on `pulumi up`
  for (const role of roles) {
    for (const pin of cognitoPinsOf(raw(role.props)["assumeRolePolicy"])) {
      const [aud] = pin.aud;
      // A missing, multiple or malformed aud is cognito-trust-policy's finding.
      if (pin.aud.length !== 1 || !known(aud) || !IDENTITY_POOL_ID.test(aud)) continue;
      if (pools.ids.has(aud)) continue;
      reportViolation(
        `IAM role '${role.name}' trusts identities of identity pool '${aud}', which is not an ` +
          `identity pool of this stack, so whoever owns that pool gets this role's permissions; ` +
          `pin aud to the id of an identity pool created in this stack.`,
        role.urn,
      );
    }
  }
}

export const cognitoRoleAttachment: StackValidationPolicy = {
  name: "cognito-role-attachment",
  description:
    "Identity pool role attachments must name a pool of this stack and hand out stack roles pinned to that pool and identity kind; Cognito-trusted roles must pin a pool of this stack.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const resources: readonly PolicyResource[] = args.resources;
    const roles = resources.filter((r) => r.type === TYPES.role);
    const pools = idsOf(resources.filter((r) => r.type === TYPES.identityPool));
    checkRolePools(roles, pools, reportViolation);

    for (const attachment of resources) {
      if (attachment.type !== TYPES.identityPoolRoleAttachment) continue;
      const props = raw(attachment.props);
      const poolId = props["identityPoolId"];
      const where = `Identity pool role attachment '${attachment.name}'`;

      const poolByDependency = (attachment.propertyDependencies?.["identityPoolId"] ?? []).some(
        (d) => d.type === TYPES.identityPool,
      );
      if (!poolByDependency && known(poolId) && pools.all && !pools.ids.has(poolId)) {
        reportViolation(
          `${where} attaches roles to identity pool '${poolId}', which is not an identity pool of ` +
            `this stack, so its settings and protection cannot be checked; attach the roles to a ` +
            `pool created in this stack.`,
          attachment.urn,
        );
      }

      const check = (arn: unknown, kind: IdentityKind, via: string) => {
        if (!known(arn)) return; // unknown during preview: checked on `pulumi up`
        const role = iamResourceByArn(arn, "role", roles);
        if (!role) {
          reportViolation(
            `${where} hands ${kind} identities (${via}) role '${arn}', which is not a role of this ` +
              `stack, so its trust policy cannot be verified; create the role in this stack.`,
            attachment.urn,
          );
          return;
        }
        const pins = cognitoPinsOf(raw(role.props)["assumeRolePolicy"]);
        if (pins.length === 0) {
          reportViolation(
            `${where} hands ${kind} identities (${via}) role '${role.name}', whose trust policy ` +
              `does not trust Cognito, so Cognito cannot assume it; use a role trusted by this pool.`,
            attachment.urn,
          );
          return;
        }
        // Only well-formed pins are compared here: a missing, multiple or wildcard aud/amr, or a
        // role admitting both kinds, is cognito-trust-policy's finding (one defect, one message).
        for (const pin of pins) {
          if (known(poolId) && pin.aud.length === 1 && pin.aud[0] !== poolId) {
            reportViolation(
              `${where} hands ${kind} identities (${via}) role '${role.name}', whose trust policy ` +
                `pins aud '${pin.aud[0]}' instead of this attachment's pool '${poolId}'; set the ` +
                `role's aud condition to the attached pool's id.`,
              attachment.urn,
            );
          }
        }
        const kinds = new Set(
          pins.flatMap((pin) =>
            pin.amr.length === 1 && isOneOf(IDENTITY_KINDS, pin.amr[0]) ? [pin.amr[0]] : [],
          ),
        );
        const [roleKind] = [...kinds];
        if (kinds.size === 1 && roleKind !== kind) {
          reportViolation(
            `${where} hands ${kind} identities (${via}) role '${role.name}', whose trust policy ` +
              `admits only "${roleKind}" identities (roles swapped?); attach the role whose amr is ` +
              `"${kind}".`,
            attachment.urn,
          );
        }
      };

      const rolesProp = props["roles"];
      if (isRecord(rolesProp)) {
        check(rolesProp["authenticated"], "authenticated", "roles.authenticated");
        check(rolesProp["unauthenticated"], "unauthenticated", "roles.unauthenticated");
      }

      // Role mappings apply to authenticated identities of an identity provider.
      asList(props["roleMappings"]).forEach((mapping, i) => {
        if (!isRecord(mapping)) return;
        if (mapping["type"] === "Token") {
          reportViolation(
            `${where} maps roles from identity provider tokens (roleMappings[${i}] type Token), ` +
              `which can name any role and cannot be verified here; use Rules mappings to roles ` +
              `of this stack.`,
            attachment.urn,
          );
        }
        asList(mapping["mappingRules"]).forEach((rule, j) => {
          if (!isRecord(rule)) return;
          check(rule["roleArn"], "authenticated", `roleMappings[${i}].mappingRules[${j}]`);
        });
      });
    }
  },
};
