/**
 * What the kit keeps in storage, and the check that reads it back: anything unreadable,
 * half-written or of another pool is dropped (and the kit starts over), never trusted.
 */
import { isIdentityIdOfPoolRegion } from "../core/ids";
import type { AwsCredentials } from "./aws";
import { isRecord, parseJson } from "./http";

export interface Signer {
  readonly identityId: string;
  readonly creds?: AwsCredentials | undefined;
}

export interface SessionState {
  readonly v: 1;
  readonly kind: "guest" | "user";
  readonly identityId: string;
  readonly creds?: AwsCredentials | undefined;
  /** Enhanced-flow user: the login's OpenID token (expiry in the server's clock, ms). */
  readonly token?: { readonly value: string; readonly expiresAt: number } | undefined;
  /** `auth: iam` user: the unauthenticated identity that signs re-logins (no credentials kept). */
  signer?: { readonly identityId: string } | undefined;
  /** Server clock minus device clock, ms. */
  readonly skewMs?: number | undefined;
}

function isCreds(v: unknown): v is AwsCredentials {
  return (
    isRecord(v) &&
    typeof v["accessKeyId"] === "string" &&
    v["accessKeyId"] !== "" &&
    typeof v["secretAccessKey"] === "string" &&
    v["secretAccessKey"] !== "" &&
    typeof v["sessionToken"] === "string" &&
    v["sessionToken"] !== "" &&
    Number.isFinite(v["expiresAt"])
  );
}

export function readState(
  text: string | null | undefined,
  poolId: string,
): SessionState | undefined {
  if (!text) return undefined;
  const s = parseJson(text);
  if (!isRecord(s) || s["v"] !== 1) return undefined;
  if (s["kind"] !== "guest" && s["kind"] !== "user") return undefined;
  if (!isIdentityIdOfPoolRegion(s["identityId"], poolId)) return undefined;
  if (s["creds"] !== undefined && !isCreds(s["creds"])) return undefined;
  const t = s["token"];
  if (
    t !== undefined &&
    !(isRecord(t) && typeof t["value"] === "string" && Number.isFinite(t["expiresAt"]))
  )
    return undefined;
  const g = s["signer"];
  if (g !== undefined && !(isRecord(g) && isIdentityIdOfPoolRegion(g["identityId"], poolId)))
    return undefined;
  if (s["skewMs"] !== undefined && !Number.isFinite(s["skewMs"])) return undefined;
  return s as unknown as SessionState;
}
