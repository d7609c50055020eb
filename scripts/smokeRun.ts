/**
 * What one smoke run shares between its checks (scripts/smokeChecks.ts runs them): the target,
 * the clients, the bounded-call and redaction helpers, the identities it created and the tokens
 * an earlier check left for a later one.
 */
import type { CognitoIdentityClient } from "@aws-sdk/client-cognito-identity";
import { AssumeRoleWithWebIdentityCommand, type STSClient } from "@aws-sdk/client-sts";
import type { S3For } from "./smokeIsolation";
import type { LoginTransport, SigningCredentials } from "./smokeLogin";
import type { ErrorInfo, Redactor, SmokeTarget } from "./smokeTarget";

/** What the run talks to; tests inject aws-sdk-client-mock'ed clients and fixed clock/random. */
export interface SmokeDeps {
  readonly cognito: CognitoIdentityClient;
  readonly sts: STSClient;
  readonly now?: () => Date;
  /** Random suffix of the developer user id and STS session names. */
  readonly random?: () => string;
  /** Sends the route checks' requests, login-route and account-deletion (default: node:https). */
  readonly login?: LoginTransport;
  /** S3 clients per identity for identity-isolation (default: real S3 clients). */
  readonly s3For?: S3For;
}

/** Cognito gives developer tokens a lifetime of 1..86400 s; the run needs only seconds. */
export const SMOKE_TOKEN_DURATION_SECONDS = 60;
/** STS minimum session duration. */
export const SMOKE_SESSION_SECONDS = 900;

export interface AnyCredentials {
  AccessKeyId?: string | undefined;
  SecretKey?: string | undefined;
  SecretAccessKey?: string | undefined;
  SessionToken?: string | undefined;
}

export interface SmokeRun {
  readonly t: SmokeTarget;
  readonly deps: SmokeDeps;
  readonly now: () => Date;
  /** Random, sanitized: the developer user id and session names carry it. */
  readonly suffix: string;
  readonly timeoutMs: number;
  readonly redactor: Redactor;
  /** IdentityIds this run created, for `cleanup`. */
  readonly created: string[];
  /** Left by authenticated-trust for basic-flow. */
  authToken?: string | undefined;
  /** Left by authenticated-trust for account-deletion: its identity and that role's credentials. */
  authIdentityId?: string | undefined;
  authCredentials?: SigningCredentials | undefined;
  /** IdentityIds a check proved deleted (DescribeIdentity: not found): `cleanup` skips them. */
  readonly gone: Set<string>;
  /** Left by guest-trust and guest-cannot-assume-authenticated for login-route. */
  guestIdentityId?: string | undefined;
  guestToken?: string | undefined;
  /** Options of one AWS call: aborted after `timeoutMs`. */
  bounded(): { abortSignal: AbortSignal };
  session(kind: string): string;
  /** Remembers the secrets to redact; true when there are credentials. */
  gotCredentials(c: AnyCredentials | undefined): boolean;
  /** An AWS error, its message redacted, then bounded (a secret cut short is still a secret). */
  info(err: unknown): ErrorInfo;
}

/** STS AssumeRoleWithWebIdentity of `roleArn` with a Cognito token, as the run's session `kind`. */
export function assumeWithToken(r: SmokeRun, roleArn: string, token: string, kind: string) {
  return r.deps.sts.send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: roleArn,
      WebIdentityToken: token,
      RoleSessionName: r.session(kind),
      DurationSeconds: SMOKE_SESSION_SECONDS,
    }),
    r.bounded(),
  );
}
