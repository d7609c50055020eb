import * as cognito from "@pulumi/aws/cognito";
import * as pulumi from "@pulumi/pulumi";
import { arns, type DeployTarget } from "../core/partition";

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
  /** Allow guest (unauthenticated) identities (the guest role is IdentityRoles'). */
  allowGuests: boolean;
  /**
   * Allow the basic (classic) flow: `AssumeRoleWithWebIdentity` with the Cognito token. Whether it
   * gates the developer path is unverified (docs/aws-china.md), so it is set explicitly either way.
   */
  allowClassicFlow: boolean;
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
 * A Cognito identity pool with a developer provider. Its roles and role attachment are the
 * IdentityRoles component's (./identityRoles.ts), created after the login API whose route the
 * guest role may call.
 */
export class IdentityPool extends pulumi.ComponentResource {
  public readonly identityPoolId: pulumi.Output<string>;
  public readonly identityPoolArn: pulumi.Output<string>;

  constructor(name: string, args: IdentityPoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cognito-devauth:index:IdentityPool", name, {}, opts);
    const tags = args.tags;
    const target = pulumi.output(args.target);

    // The pool holds every identity: a replaced pool orphans all IdentityIds (new ids, lost
    // links), so it is protected, and kept in the account even if someone unprotects and
    // destroys the stack.
    const pool = new cognito.IdentityPool(
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

    this.registerOutputs({
      identityPoolId: this.identityPoolId,
      identityPoolArn: this.identityPoolArn,
    });
  }
}
