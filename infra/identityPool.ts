import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { toJson } from "./iam/document";
import { cognitoTrustPolicy, type CognitoIdentityKind } from "./iam/trust";
import { NAME_LIMITS, physicalName } from "./naming";
import { arns, type DeployTarget } from "../core/partition";

/** IAM's lowest role MaxSessionDuration (CreateRole API reference): shorter sessions still fit. */
const MIN_MAX_SESSION_SECONDS = 3600;

export interface IdentityPoolArgs {
  /** Pool name. Changing it replaces the pool, which the pool's protection refuses. */
  identityPoolName: string;
  /**
   * Developer provider name (e.g. `login.wechat.myapp`): the `Logins` key our backend uses in
   * `GetOpenIdTokenForDeveloperIdentity`. It can never change once set.
   */
  developerProviderName: string;
  /** Partition facts and account: trust principal, condition-key prefix, ARNs. */
  target: pulumi.Input<DeployTarget>;
  /** Prefix of the roles' physical names, e.g. `cognito-devauth-dev` (unique per account). */
  namePrefix: string;
  /** Allow guest (unauthenticated) identities, with their own role. */
  allowGuests: boolean;
  /**
   * Allow the basic (classic) flow: `AssumeRoleWithWebIdentity` with the Cognito token. Whether it
   * gates the developer path is unverified (docs/aws-china.md), so it is set explicitly either way.
   */
  allowClassicFlow: boolean;
  /** Maximum session of the authenticated role, in seconds (basic flow credentials). */
  authenticatedRoleMaxSessionSeconds: number;
  /** Social identity providers (`SupportedLoginProviders`), provider domain to app id. */
  supportedLoginProviders: Record<string, string>;
  /** Cognito user pool providers (global partition only). */
  cognitoIdentityProviders: {
    providerName: string;
    clientId: string;
    serverSideTokenCheck: boolean;
  }[];
  /** Tags for every resource. */
  tags: Record<string, string>;
}

/**
 * A Cognito identity pool with a developer provider, its authenticated role, an optional guest
 * role, and the role attachment. The roles carry no permissions: app teams grant what their app
 * needs, and the login API grants guests only the login route.
 */
export class IdentityPool extends pulumi.ComponentResource {
  public readonly identityPoolId: pulumi.Output<string>;
  public readonly identityPoolArn: pulumi.Output<string>;
  public readonly authenticatedRole: aws.iam.Role;
  public readonly authenticatedRoleArn: pulumi.Output<string>;
  public readonly guestRole: aws.iam.Role | undefined;
  public readonly guestRoleArn: pulumi.Output<string> | undefined;

  constructor(name: string, args: IdentityPoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cognito-devauth:index:IdentityPool", name, {}, opts);
    const tags = args.tags;
    const target = pulumi.output(args.target);

    // The pool holds every identity: a replaced pool orphans all IdentityIds (new ids, lost
    // links), so it is protected, and kept in the account even if someone unprotects and
    // destroys the stack.
    const pool = new aws.cognito.IdentityPool(
      `${name}-pool`,
      {
        identityPoolName: args.identityPoolName,
        developerProviderName: args.developerProviderName,
        allowUnauthenticatedIdentities: args.allowGuests,
        allowClassicFlow: args.allowClassicFlow,
        supportedLoginProviders: args.supportedLoginProviders,
        cognitoIdentityProviders: args.cognitoIdentityProviders.map((p) => ({
          providerName: p.providerName,
          clientId: p.clientId,
          serverSideTokenCheck: p.serverSideTokenCheck,
        })),
        tags,
      },
      { parent: this, protect: true, retainOnDelete: true },
    );
    this.identityPoolId = pool.id;
    this.identityPoolArn = pulumi
      .all([target, pool.id])
      .apply(([t, id]) => arns.identityPool(t, id));

    const role = (kind: CognitoIdentityKind, suffix: string, maxSessionDuration?: number) =>
      new aws.iam.Role(
        `${name}-${suffix}`,
        {
          name: physicalName(args.namePrefix, suffix, NAME_LIMITS.role),
          description: `Assumed by ${kind} identities of Cognito identity pool ${args.identityPoolName}`,
          assumeRolePolicy: pulumi.all([pool.id, target]).apply(([identityPoolId, p]) =>
            toJson(
              cognitoTrustPolicy({
                identityPoolId,
                kind,
                principal: p.trustPrincipal,
                conditionKeyPrefix: p.trustConditionKeyPrefix,
              }),
            ),
          ),
          maxSessionDuration,
          tags,
        },
        { parent: this },
      );

    this.authenticatedRole = role(
      "authenticated",
      "authenticated",
      Math.max(MIN_MAX_SESSION_SECONDS, args.authenticatedRoleMaxSessionSeconds),
    );
    this.guestRole = args.allowGuests ? role("unauthenticated", "guest") : undefined;
    // ARNs from the role's name output: partition-correct by construction, and still dependent
    // on the role, so the attachment waits for it.
    const roleArn = (r: aws.iam.Role) =>
      pulumi.all([target, r.name]).apply(([t, n]) => arns.role(t, n));
    this.authenticatedRoleArn = roleArn(this.authenticatedRole);
    this.guestRoleArn = this.guestRole ? roleArn(this.guestRole) : undefined;

    new aws.cognito.IdentityPoolRoleAttachment(
      `${name}-roles`,
      {
        identityPoolId: pool.id,
        roles: {
          authenticated: this.authenticatedRoleArn,
          ...(this.guestRoleArn ? { unauthenticated: this.guestRoleArn } : {}),
        },
      },
      { parent: this },
    );

    this.registerOutputs({
      identityPoolId: this.identityPoolId,
      identityPoolArn: this.identityPoolArn,
      authenticatedRoleArn: this.authenticatedRoleArn,
      guestRoleArn: this.guestRoleArn,
    });
  }
}
