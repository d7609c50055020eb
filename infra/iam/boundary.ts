/**
 * Permissions boundary of the roles Cognito hands out. A boundary caps what a role can do
 * whatever policies are attached to it later (IAM User Guide, "Permissions boundaries for IAM
 * entities": effective permissions are the intersection of identity policies and the boundary,
 * and an explicit Deny in either always wins).
 *
 * Allow: exactly the statements the stack grants that role (nothing attached outside the stack
 * takes effect). Deny, always: IAM, STS role chaining, every Cognito identity-pool API that needs
 * IAM credentials (developer identities, merges, deletion, pool settings), the mapping table, the
 * app secrets, the login and account functions, and the stack's log groups (the functions' logs,
 * and the API's access logs, which hold every caller's IP address).
 */
import type { PolicyDocument, PolicyStatement } from "./document";

export interface BoundaryArgs {
  /** What the role is granted (its role policy's statements); may be empty. */
  readonly allow: readonly PolicyStatement[];
  /** ARN of the user mapping table. */
  readonly mappingTableArn: string;
  /** ARNs of the secrets holding app secrets (AppSecrets). */
  readonly secretArns: readonly string[];
  /** ARNs of the functions that hold the login logic. */
  readonly functionArns: readonly string[];
  /** ARNs of the stack's log groups (the functions', the API's access logs), without `:*`. */
  readonly logGroupArns: readonly string[];
}

/**
 * Cognito Identity's unauthenticated APIs (GetId, GetOpenIdToken, GetCredentialsForIdentity)
 * take no IAM credentials, so denying the whole service removes only what app identities must
 * never call (GetOpenIdTokenForDeveloperIdentity, LookupDeveloperIdentity, Merge/Unlink,
 * DeleteIdentities, pool and role settings).
 */
const DENIED_EVERYWHERE = [
  { Sid: "DenyIam", Action: ["iam:*"] },
  {
    Sid: "DenyRoleChaining",
    Action: [
      "sts:AssumeRole",
      "sts:AssumeRoleWithWebIdentity",
      "sts:AssumeRoleWithSAML",
      "sts:GetFederationToken",
      "sts:GetSessionToken",
    ],
  },
  { Sid: "DenyCognitoIdentityAdmin", Action: ["cognito-identity:*"] },
] as const;

export function cognitoRoleBoundary(args: BoundaryArgs): PolicyDocument {
  const deny = (Sid: string, Action: string[], Resource: string[]): PolicyStatement => ({
    Sid,
    Effect: "Deny",
    Action,
    Resource,
  });
  const statements: PolicyStatement[] = [
    ...args.allow.map((s, i) => ({ ...s, Sid: s.Sid ?? `Granted${i}` })),
    ...DENIED_EVERYWHERE.map((d) => deny(d.Sid, [...d.Action], ["*"])),
    deny("DenyMappingTable", ["dynamodb:*"], [args.mappingTableArn, `${args.mappingTableArn}/*`]),
  ];
  // Each of the stack's own resources, when the stack has any of that kind.
  const own: [string, string, string[]][] = [
    ["DenyAppSecrets", "secretsmanager:*", [...args.secretArns]],
    ["DenyLoginFunctions", "lambda:*", args.functionArns.flatMap((f) => [f, `${f}:*`])],
    // The group and everything in it: log-stream ARNs are `<group ARN>:log-stream:<name>`.
    ["DenyStackLogs", "logs:*", args.logGroupArns.flatMap((g) => [g, `${g}:*`])],
  ];
  for (const [sid, action, resources] of own) {
    if (resources.length > 0) statements.push(deny(sid, [action], resources));
  }
  return { Version: "2012-10-17", Statement: statements };
}
