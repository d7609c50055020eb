/** Cognito Identity adapter (GetOpenIdTokenForDeveloperIdentity, MergeDeveloperIdentities). */
import type { JsonClient } from "./aws-client";
import { InternalError, awsErrorName, classifyAwsError } from "./errors";
import { IdentityConflictError, type IdentityPort } from "./ports";

export interface CognitoAdapterOptions {
  readonly identityPoolId: string;
  readonly developerProviderName: string;
  readonly tokenDurationSeconds: number;
}

export function makeCognitoIdentity(client: JsonClient, opts: CognitoAdapterOptions): IdentityPort {
  return {
    async getOpenIdToken(input, signal) {
      let out: { IdentityId?: string; Token?: string };
      try {
        out = await client.json(
          "GetOpenIdTokenForDeveloperIdentity",
          {
            IdentityPoolId: opts.identityPoolId,
            IdentityId: input.identityId,
            Logins: { [opts.developerProviderName]: input.developerUserId },
            // Session tags for the role's trust/permission policies (enhanced flow: the caller's
            // GetCredentialsForIdentity carries them into the role session).
            ...(input.principalTags ? { PrincipalTags: input.principalTags } : {}),
            TokenDuration: opts.tokenDurationSeconds,
          },
          signal,
        );
      } catch (err) {
        throw tokenError(err, input.identityId !== undefined);
      }
      if (!out.IdentityId || !out.Token) {
        throw new InternalError("cognito-identity returned no IdentityId/Token");
      }
      return { identityId: out.IdentityId, token: out.Token };
    },

    async merge(input, signal) {
      try {
        await client.json(
          "MergeDeveloperIdentities",
          {
            IdentityPoolId: opts.identityPoolId,
            DeveloperProviderName: opts.developerProviderName,
            SourceUserIdentifier: input.source,
            DestinationUserIdentifier: input.destination,
          },
          signal,
        );
      } catch (err) {
        const name = awsErrorName(err);
        // Refusals (already merged, identity gone, login limit): the caller keeps Cognito's answer.
        if (
          name === "ResourceConflictException" ||
          name === "ResourceNotFoundException" ||
          name === "InvalidParameterException"
        ) {
          throw new IdentityConflictError(name);
        }
        throw classifyAwsError("cognito-identity", err);
      }
    },
  };
}

/**
 * The error of a failed GetOpenIdTokenForDeveloperIdentity (its own function: a successful login
 * never compiles it). With an IdentityId: "this login belongs to another identity" (conflict),
 * or the identity no longer exists (deleted guest, row of another pool). Either way the caller
 * falls back to the identity Cognito itself maps the login to.
 */
function tokenError(err: unknown, withIdentityId: boolean): Error {
  const name = awsErrorName(err);
  if (
    withIdentityId &&
    (name === "ResourceConflictException" ||
      name === "DeveloperUserAlreadyRegisteredException" ||
      name === "ResourceNotFoundException")
  ) {
    return new IdentityConflictError(name);
  }
  return classifyAwsError("cognito-identity", err);
}
