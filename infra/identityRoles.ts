/**
 * The roles Cognito hands out (authenticated, guest), their permissions (the stack file's
 * `grants`, and the login route for guests with `loginAuth: iam`), a permissions boundary on
 * each, and the pool's role attachment.
 *
 * Created after the login API, because the guest role's policy and boundary name the login route;
 * the login API in turn needs only the authenticated role's name-built ARN (`cognitoRoleName`), so
 * nothing depends on a role before the roles exist. The roles and the attachment used to be
 * children of the IdentityPool component and the route policy a child of LoginApi: `aliases`
 * keep their URNs, so a deployed stack updates them in place instead of replacing them.
 */
import * as cognito from "@pulumi/aws/cognito";
import * as iam from "@pulumi/aws/iam";
import * as pulumi from "@pulumi/pulumi";
import { cognitoRoleBoundary } from "./iam/boundary";
import { toJson } from "./iam/document";
import { grantsPolicy, type Grant } from "./iam/grants";
import { invokeRoutePolicy } from "./iam/login";
import { cognitoTrustPolicy, type CognitoIdentityKind } from "./iam/trust";
import { NAME_LIMITS, physicalName } from "./naming";
import { arns, type DeployTarget } from "../core/partition";

/** IAM's lowest role MaxSessionDuration (CreateRole API reference): shorter sessions still fit. */
const MIN_MAX_SESSION_SECONDS = 3600;
/** IAM managed policy names: at most 128 characters. */
const POLICY_NAME_LIMIT = 128;

export type CognitoRole = "authenticated" | "guest";

/** Physical name of a Cognito role: one function, so ARNs can be built before the role exists. */
export function cognitoRoleName(namePrefix: string, role: CognitoRole): string {
  return physicalName(namePrefix, role, NAME_LIMITS.role);
}

export interface IdentityRolesArgs {
  target: pulumi.Input<DeployTarget>;
  /** Prefix of the physical names, e.g. `cognito-devauth-dev`. */
  namePrefix: string;
  identityPoolId: pulumi.Input<string>;
  /** For the roles' descriptions. */
  identityPoolName: string;
  allowGuests: boolean;
  /** Maximum session of the authenticated role, in seconds (basic flow credentials). */
  authenticatedRoleMaxSessionSeconds: number;
  /** What each role may do (stack file `grants`). */
  grants: { authenticated: readonly Grant[]; guest: readonly Grant[] };
  /** Trust policies also allow `sts:TagSession` (attributes for access control). */
  principalTags: boolean;
  /**
   * `execute-api` ARNs of the login routes the guests sign (`loginAuth: iam`: every login route
   * of the stack), else empty.
   */
  loginRouteArns: pulumi.Input<string>[];
  /** `execute-api` ARNs of the stack's own routes signed-in users call (account deletion). */
  authenticatedRouteArns: pulumi.Input<string>[];
  /**
   * What the boundary always denies: the mapping table, the app secrets, the functions, and the
   * stack's log groups (by name: the functions' and the API's access logs).
   */
  mappingTableArn: pulumi.Input<string>;
  secretArns: pulumi.Input<string>[];
  functionArns: pulumi.Input<string>[];
  logGroupNames: pulumi.Input<string>[];
  /** Where the roles and the route policy were before this component (for `aliases`). */
  previousParents: { roles: pulumi.Resource; loginRoute: pulumi.Resource };
  tags: Record<string, string>;
}

export class IdentityRoles extends pulumi.ComponentResource {
  public readonly authenticatedRoleArn: pulumi.Output<string>;
  public readonly guestRoleArn: pulumi.Output<string> | undefined;

  constructor(name: string, args: IdentityRolesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cognito-devauth:index:IdentityRoles", name, {}, opts);
    const target = pulumi.output(args.target);
    const tags = args.tags;
    if (args.loginRouteArns.length > 0 && !args.allowGuests) {
      throw new Error(`IdentityRoles ${name}: an IAM-authorized login route needs guests.`);
    }
    const fromPool = { parent: this, aliases: [{ parent: args.previousParents.roles }] };
    // The stack's own routes each role may call; the boundary allows exactly these too.
    const guestRoutes = pulumi.all(args.loginRouteArns);
    const authenticatedRoutes = pulumi.all(args.authenticatedRouteArns);

    const role = (kind: CognitoIdentityKind, which: CognitoRole, maxSessionDuration?: number) => {
      const grants = args.grants[which];
      const routes = which === "guest" ? guestRoutes : authenticatedRoutes;
      const extra = routes.apply((arns) =>
        arns.length > 0 ? invokeRoutePolicy(arns).Statement : [],
      );
      const granted = pulumi
        .all([target, extra])
        .apply(([t, more]) => [...(grantsPolicy(grants, t)?.Statement ?? []), ...more]);

      const boundary = new iam.Policy(
        `identity-${which}-boundary`,
        {
          name: physicalName(args.namePrefix, `${which}-boundary`, POLICY_NAME_LIMIT),
          description: `Permissions boundary of the ${which} role: its grants, never the stack's own resources`,
          policy: pulumi
            .all([
              granted,
              args.mappingTableArn,
              pulumi.all(args.secretArns),
              pulumi.all(args.functionArns),
              pulumi.all(args.logGroupNames),
              target,
            ])
            .apply(([allow, mappingTableArn, secretArns, functionArns, logGroupNames, t]) =>
              toJson(
                cognitoRoleBoundary({
                  allow,
                  mappingTableArn,
                  secretArns,
                  functionArns,
                  logGroupArns: logGroupNames.map((n) => arns.logGroup(t, n)),
                }),
              ),
            ),
          tags,
        },
        { parent: this },
      );

      const r = new iam.Role(
        `identity-${which}`,
        {
          name: cognitoRoleName(args.namePrefix, which),
          description: `Assumed by ${kind} identities of Cognito identity pool ${args.identityPoolName}`,
          assumeRolePolicy: pulumi.all([args.identityPoolId, target]).apply(([identityPoolId, p]) =>
            toJson(
              cognitoTrustPolicy({
                identityPoolId,
                kind,
                principal: p.trustPrincipal,
                conditionKeyPrefix: p.trustConditionKeyPrefix,
                tagSession: args.principalTags,
              }),
            ),
          ),
          maxSessionDuration,
          permissionsBoundary: pulumi
            .all([target, boundary.name])
            .apply(([t, n]) => arns.policy(t, n)),
          tags,
        },
        fromPool,
      );

      if (grants.length > 0) {
        new iam.RolePolicy(
          `identity-${which}-grants`,
          {
            role: r.name,
            policy: target.apply((t) =>
              toJson(grantsPolicy(grants, t) ?? { Version: "2012-10-17", Statement: [] }),
            ),
          },
          { parent: this },
        );
      }
      return r;
    };

    const authenticated = role(
      "authenticated",
      "authenticated",
      Math.max(MIN_MAX_SESSION_SECONDS, args.authenticatedRoleMaxSessionSeconds),
    );
    const guest = args.allowGuests ? role("unauthenticated", "guest") : undefined;

    if (guest && args.loginRouteArns.length > 0) {
      // Exactly these stage, method and path pairs: the guest role can call nothing else of the API.
      new iam.RolePolicy(
        "wechat-login-guest-invoke",
        {
          role: guest.name,
          policy: guestRoutes.apply((routeArns) => toJson(invokeRoutePolicy(routeArns))),
        },
        { parent: this, aliases: [{ parent: args.previousParents.loginRoute }] },
      );
    }

    if (args.authenticatedRouteArns.length > 0) {
      // Signed-in users may call exactly these routes (DELETE /account), nothing else of the API.
      new iam.RolePolicy(
        "account-authenticated-invoke",
        {
          role: authenticated.name,
          policy: authenticatedRoutes.apply((arns) => toJson(invokeRoutePolicy(arns))),
        },
        { parent: this },
      );
    }

    // ARNs from the role's name output: partition-correct by construction, and still dependent
    // on the role, so the attachment waits for it.
    const roleArn = (r: iam.Role) =>
      pulumi.all([target, r.name]).apply(([t, n]) => arns.role(t, n));
    this.authenticatedRoleArn = roleArn(authenticated);
    this.guestRoleArn = guest ? roleArn(guest) : undefined;

    new cognito.IdentityPoolRoleAttachment(
      "identity-roles",
      {
        identityPoolId: args.identityPoolId,
        roles: {
          authenticated: this.authenticatedRoleArn,
          ...(this.guestRoleArn ? { unauthenticated: this.guestRoleArn } : {}),
        },
      },
      fromPool,
    );

    this.registerOutputs({
      authenticatedRoleArn: this.authenticatedRoleArn,
      guestRoleArn: this.guestRoleArn,
    });
  }
}
