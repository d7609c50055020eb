/**
 * For app backends that receive the login's OpenID token instead of SigV4 credentials: checks
 * the token's signature against Cognito Identity's JWKS, its issuer, `aud` (our pool), `amr`
 * (authenticated by default) and expiry, and returns the IdentityId (`sub`). Node only (not in the
 * mini-program build).
 *
 * Issuer: core/partition's `cognitoTokenIssuer` for the pool's region (docs/cognito.md, "OpenID
 * tokens"). JWKS: `<issuer>/.well-known/jwks_uri`, Cognito Identity's published location in the
 * global partition. The Beijing JWKS location is unverified: pass `jwksUri` (and `issuer`, if a
 * live token shows another spelling) once a deployment has confirmed it.
 */
import { JwtRsaVerifier } from "aws-jwt-verify";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";
import type { Fetcher } from "aws-jwt-verify/https";
import { isIdentityIdOfPoolRegion, regionOfId, IDENTITY_POOL_ID } from "../core/ids";
import { partitionFacts, partitionOfRegion } from "../core/partition";
import type { IdentityKind } from "../core/vocabulary";

export interface OpenIdTokenVerifierOptions {
  readonly identityPoolId: string;
  /** Defaults to the partition table's issuer for the pool's region. */
  readonly issuer?: string | undefined;
  /** Defaults to `<issuer>/.well-known/jwks_uri`. */
  readonly jwksUri?: string | undefined;
  /** Which identities to accept (`amr`); default `authenticated` (signed-in users only). */
  readonly amr?: IdentityKind | "any" | undefined;
  /** How the JWKS is fetched (default: HTTPS with aws-jwt-verify's own fetcher). */
  readonly fetcher?: Fetcher | undefined;
}

export interface VerifiedIdentity {
  readonly identityId: string;
  readonly kind: IdentityKind;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

export interface OpenIdTokenVerifier {
  readonly issuer: string;
  readonly jwksUri: string;
  verify(token: string): Promise<VerifiedIdentity>;
}

export function createOpenIdTokenVerifier(o: OpenIdTokenVerifierOptions): OpenIdTokenVerifier {
  if (!IDENTITY_POOL_ID.test(o.identityPoolId)) {
    throw new Error(
      `identityPoolId '${o.identityPoolId}' is not an identity pool id (<region>:<uuid>).`,
    );
  }
  const region = regionOfId(o.identityPoolId);
  const partition = partitionOfRegion(region);
  if (!partition)
    throw new Error(`identityPoolId: region '${region}' is not in a supported partition.`);
  const issuer = o.issuer ?? partitionFacts(partition, region).cognitoTokenIssuer;
  const jwksUri = o.jwksUri ?? `${issuer.replace(/\/$/, "")}/.well-known/jwks_uri`;
  const wanted = o.amr ?? "authenticated";
  const verifier = JwtRsaVerifier.create(
    {
      issuer,
      audience: o.identityPoolId,
      jwksUri,
      customJwtCheck: ({ payload }) => {
        const amr = payload["amr"];
        const kind = kindOf(amr);
        if (!kind) throw new Error("The token's amr names no identity kind.");
        if (wanted !== "any" && kind !== wanted) throw new Error(`The token is not ${wanted}.`);
        if (!isIdentityIdOfPoolRegion(payload.sub, o.identityPoolId))
          throw new Error("The token's sub is not an IdentityId of the pool's region.");
      },
    },
    o.fetcher ? { jwksCache: new SimpleJwksCache({ fetcher: o.fetcher }) } : undefined,
  );
  return {
    issuer,
    jwksUri,
    async verify(token) {
      const payload = await verifier.verify(token);
      return {
        identityId: payload.sub as string,
        kind: kindOf(payload["amr"]) as IdentityKind,
        expiresAt: payload.exp as number,
      };
    },
  };
}

function kindOf(amr: unknown): IdentityKind | undefined {
  if (!Array.isArray(amr)) return undefined;
  if (amr.includes("authenticated")) return "authenticated";
  if (amr.includes("unauthenticated")) return "unauthenticated";
  return undefined;
}
