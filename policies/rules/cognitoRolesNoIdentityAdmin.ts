/**
 * cognito-roles-no-identity-admin: no role that Cognito identities assume may mint or look up
 * developer identities, or reach the stack's tables (the user mapping), secrets (the WeChat
 * AppSecret) or log groups (the functions' logs; the API's access log, every caller's IP).
 *
 * Why: every app user holds these roles' credentials. With GetOpenIdTokenForDeveloperIdentity a
 * user could mint a token for any other user's developer id and become them; with the mapping
 * table or the AppSecret, read every user's WeChat ids or impersonate the mini-program
 * (docs/cognito.md, "Developer identities: linking and merging"); with the log groups, read every
 * caller's IP address and every failure. The roles' permissions boundary
 * denies all of this too; this rule catches the grant before it is deployed, with the statement
 * named.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { allowsAction, cognitoRoles, documentsOfRole, globMatch } from "./roleGrants";
import { TYPES } from "./types";
import { asStrings, isAllow, known, raw, splitArn, statementLabel, type JsonObject } from "./util";

/** The Cognito Identity APIs that act for the developer provider (need its credentials). */
export const DEVELOPER_IDENTITY_ACTIONS = [
  "cognito-identity:GetOpenIdTokenForDeveloperIdentity",
  "cognito-identity:LookupDeveloperIdentity",
  "cognito-identity:MergeDeveloperIdentities",
  "cognito-identity:UnlinkDeveloperIdentity",
] as const;

/** Whether the statement allows some action of `service`. */
function touchesService(statement: JsonObject, service: string): boolean {
  if (!isAllow(statement)) return false;
  return (
    allowsAction(statement, `${service}:AnyAction`) || statementNamesService(statement, service)
  );
}

function statementNamesService(statement: JsonObject, service: string): boolean {
  return asStrings(statement["Action"]).some((a) => {
    const [prefix = ""] = a.split(":");
    return a === "*" || globMatch(prefix, service, true);
  });
}

/** Whether a Resource pattern reaches `<service>` resource `resource` (any partition/account). */
function reaches(pattern: string, service: string, resources: readonly string[]): boolean {
  if (pattern === "*") return true;
  const arn = splitArn(pattern);
  if (!arn || !globMatch(arn.service, service)) return false;
  // The pattern matches the resource, the resource's pattern form matches it (`-??????`), or
  // it names a sub-resource of it (`table/<name>/index/<index>`).
  return resources.some(
    (r) =>
      globMatch(arn.resource, r) || globMatch(r, arn.resource) || arn.resource.startsWith(`${r}/`),
  );
}

function reachesAny(statement: JsonObject, service: string, resources: readonly string[]) {
  if (statement["NotResource"] !== undefined) return true;
  return asStrings(statement["Resource"]).some((p) => reaches(p, service, resources));
}

const nameOf = (r: PolicyResource): string | undefined => {
  const name = raw(r.props)["name"];
  return known(name) ? name : undefined;
};

export const cognitoRolesNoIdentityAdmin: StackValidationPolicy = {
  name: "cognito-roles-no-identity-admin",
  description:
    "Roles assumed by Cognito identities must not mint or look up developer identities, or reach the stack's tables, secrets or log groups.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const resources: readonly PolicyResource[] = args.resources;
    const tables = resources
      .filter((r) => r.type === TYPES.table)
      .flatMap((t) => {
        const name = nameOf(t);
        return name ? [{ name, parts: [`table/${name}`, `table/${name}/index/any`] }] : [];
      });
    const secrets = resources
      .filter((r) => r.type === TYPES.secret)
      .flatMap((s) => {
        const name = nameOf(s);
        // The six random characters Secrets Manager appends to a secret's name in its ARN.
        return name ? [{ name, parts: [`secret:${name}-AbCdEf`] }] : [];
      });

    const logGroups = resources
      .filter((r) => r.type === TYPES.logGroup)
      .flatMap((g) => {
        const name = nameOf(g);
        return name
          ? [{ name, parts: [`log-group:${name}`, `log-group:${name}:log-stream:any`] }]
          : [];
      });

    for (const { role } of cognitoRoles(resources)) {
      for (const doc of documentsOfRole(role, resources)) {
        doc.statements.forEach((statement, i) => {
          if (!isAllow(statement)) return;
          const where =
            `IAM role '${role.name}' (assumed by Cognito identities) is granted, in ` +
            `${doc.source} ${statementLabel(statement, i)},`;
          const minted = DEVELOPER_IDENTITY_ACTIONS.filter((a) => allowsAction(statement, a));
          if (minted.length > 0) {
            reportViolation(
              `${where} ${minted.join(", ")}: any app user could mint or look up another user's ` +
                `identity and sign in as them; only the login function may call these. Remove ` +
                `the action(s) from the statement.`,
              doc.urn,
            );
          }
          if (touchesService(statement, "dynamodb")) {
            for (const t of tables.filter((t) => reachesAny(statement, "dynamodb", t.parts))) {
              reportViolation(
                `${where} DynamoDB access to the stack's table '${t.name}' (the user mapping): ` +
                  `app identities must never read or change it. Name the app's own table ` +
                  `instead (grants: dynamodbPerIdentity).`,
                doc.urn,
              );
            }
          }
          if (touchesService(statement, "secretsmanager")) {
            for (const s of secrets.filter((s) =>
              reachesAny(statement, "secretsmanager", s.parts),
            )) {
              reportViolation(
                `${where} Secrets Manager access to the stack's secret '${s.name}' (the WeChat ` +
                  `AppSecret): app identities must never read it. Remove the statement.`,
                doc.urn,
              );
            }
          }
          if (touchesService(statement, "logs")) {
            for (const g of logGroups.filter((g) => reachesAny(statement, "logs", g.parts))) {
              reportViolation(
                `${where} CloudWatch Logs access to the stack's log group '${g.name}' (function ` +
                  `logs, or the access log with every caller's IP): app identities must never ` +
                  `read them. Name the app's own log group instead, or remove the statement.`,
                doc.urn,
              );
            }
          }
        });
      }
    }
  },
};
