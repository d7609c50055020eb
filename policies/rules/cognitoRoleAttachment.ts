/**
 * cognito-role-attachment: every role an identity pool hands out is a role of this stack whose
 * trust policy pins THIS pool (`aud`) and the kind of identity it is handed to (`amr`).
 *
 * Why: cognito-trust-policy checks each role on its own, so a role pinned to another pool, or the
 * authenticated and guest roles swapped in the attachment, passes it. Cognito then either fails
 * every credential request (aud of another pool) or gives guests the signed-in role (swapped)
 * (Cognito developer guide, "Role trust and permissions", "IAM roles"). A role outside the stack
 * cannot be checked at all.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { AMR_VALUES, cognitoPinsOf, ROLE_TYPE, type Amr } from "./cognitoTrust";
import { asList, isRecord, isUnknown, raw } from "./util";

export const ROLE_ATTACHMENT_TYPE =
  "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment";

const known = (value: unknown): value is string => typeof value === "string" && !isUnknown(value);

/** The stack's role with this ARN: by its `arn`, or by path and name when the ARN is unknown. */
function roleByArn(arn: string, roles: readonly PolicyResource[]): PolicyResource | undefined {
  const byArn = roles.find((r) => raw(r.props)["arn"] === arn);
  if (byArn) return byArn;
  return roles.find((r) => {
    const props = raw(r.props);
    if (known(props["arn"]) || !known(props["name"])) return false;
    const path = known(props["path"]) ? props["path"] : "/";
    return arn.endsWith(`:role${path}${props["name"]}`);
  });
}

export const cognitoRoleAttachment: StackValidationPolicy = {
  name: "cognito-role-attachment",
  description:
    "Identity pool role attachments must hand out stack roles whose trust pins that pool and identity kind.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const resources: readonly PolicyResource[] = args.resources;
    const roles = resources.filter((r) => r.type === ROLE_TYPE);

    for (const attachment of resources) {
      if (attachment.type !== ROLE_ATTACHMENT_TYPE) continue;
      const props = raw(attachment.props);
      const poolId = props["identityPoolId"];
      const where = `Identity pool role attachment '${attachment.name}'`;

      const check = (arn: unknown, kind: Amr, via: string) => {
        if (!known(arn)) return; // unknown during preview: checked on `pulumi up`
        const role = roleByArn(arn, roles);
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
            pin.amr.length === 1 && AMR_VALUES.includes(pin.amr[0] as Amr) ? [pin.amr[0]] : [],
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
