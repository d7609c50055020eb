/**
 * The kit's one use case: from the app config alone to AWS credentials that stay fresh.
 *
 * - Guests (`guests: true`): `login.auth: none` -> enhanced-flow guest credentials (GetId,
 *   GetCredentialsForIdentity). `login.auth: iam` -> basic-flow guest credentials (GetId,
 *   GetOpenIdToken, STS AssumeRoleWithWebIdentity of `guestRoleArn`): enhanced-flow guest
 *   credentials are scoped down by AWS's session policy, which has no `execute-api:Invoke`, so only
 *   basic-flow ones can sign the login request (docs/cognito.md, "Guests and the session policy").
 * - `signIn(code)`: the login API (SigV4-signed by a guest identity when `auth: iam`), then the
 *   enhanced flow's GetCredentialsForIdentity with the config's `loginsKey`, or the basic flow's
 *   credentials as returned. The guest credentials are dropped.
 * - Refresh ahead of expiry, one at a time however many callers ask; a re-login through
 *   `getLoginCode()` when the token (enhanced) or the credentials (basic) ran out.
 * - Times from the server (credential and token expiry) are compared with the server's clock,
 *   learnt from each answer's Date header, so a device clock that is off does not matter.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import {
  assumeRoleWithWebIdentity,
  getCredentialsForIdentity,
  getId,
  getOpenIdToken,
  guestSessionName,
  type AwsCredentials,
  type Exchange,
} from "./aws";
import { checkAppConfig, type AppConfig } from "./config";
import { AuthError, isAuthError } from "./errors";
import type { HttpResponse, Transport } from "./http";
import { callLogin, type LoginAnswer } from "./login";
import { DEFAULT_RETRY, systemClock, withRetry, type Clock, type RetryPolicy } from "./retry";
import { readState, type SessionState, type Signer } from "./state";
import { memoryStorage, type KitStorage } from "./storage";

export interface KitOptions {
  readonly transport: Transport;
  /** Where the identity and credentials survive restarts; memory only by default. */
  readonly storage?: KitStorage | undefined;
  /** A fresh login code (`wx.login`): re-login after expiry, one retry on INVALID_CODE. */
  readonly getLoginCode?: (() => Promise<string>) | undefined;
  readonly clock?: Clock | undefined;
  readonly random?: (() => number) | undefined;
  readonly retry?: Partial<RetryPolicy> | undefined;
  /** Renew credentials this long before they expire (default 5 minutes, as the SDK does). */
  readonly refreshAheadMs?: number | undefined;
}

/** Credentials this close to expiry are not handed out even when a refresh fails. */
const MIN_VALIDITY_MS = 30_000;
/** After a failed refresh ahead of expiry, the still-valid credentials serve this long. */
const REFRESH_COOLDOWN_MS = 15_000;
/** A login token this close to expiry is not exchanged any more. */
const TOKEN_MARGIN_MS = 60_000;

export class DevAuthClient {
  readonly config: AppConfig;
  /** AWS SDK v3 credential provider: `new S3Client({ region, credentials: kit.provider })`. */
  readonly provider: AwsCredentialIdentityProvider;
  private readonly opts: KitOptions;
  private readonly storage: KitStorage;
  private readonly clock: Clock;
  private readonly retryPolicy: RetryPolicy;
  private readonly key: string;
  private readonly ex: Exchange;
  private loaded = false;
  private state: SessionState | undefined;
  private flight: Promise<SessionState> | undefined;
  private generation = 0;
  private skewMs = 0;
  private cooldownUntil = 0;

  constructor(config: unknown, opts: KitOptions) {
    this.config = checkAppConfig(config);
    this.opts = opts;
    this.storage = opts.storage ?? memoryStorage();
    this.clock = opts.clock ?? systemClock;
    this.retryPolicy = { ...DEFAULT_RETRY, ...opts.retry };
    this.key = `cognito-devauth:${this.config.identityPoolId}`;
    this.ex = {
      transport: opts.transport,
      now: () => this.clock.now(),
      onResponse: (res) => this.learnClock(res),
    };
    this.provider = () => this.credentials();
  }

  /** The current IdentityId (guest or user), once known. */
  get identityId(): string | undefined {
    return this.current()?.identityId;
  }

  /** `user` after a sign-in, `guest` with guest credentials, `undefined` before either. */
  get kind(): "guest" | "user" | undefined {
    return this.current()?.kind;
  }

  /** Credentials for the AWS SDK; served from memory while fresh. */
  async credentials(): Promise<AwsCredentialIdentity> {
    const s = this.current();
    if (s?.creds && this.servable(s.creds)) return this.forSdk(s.creds);
    const next = await this.join(() => this.refresh());
    return this.forSdk(next.creds as AwsCredentials);
  }

  /** Signs in with a login code (or one from `getLoginCode()`); returns the user's IdentityId. */
  async signIn(code?: string): Promise<{ identityId: string; kind: "user" }> {
    const next = await this.exclusive(async () => {
      const generation = this.generation;
      const c = code ?? (await this.loginCode());
      return this.commit(generation, await this.login(c, this.current()));
    });
    return { identityId: next.identityId, kind: "user" };
  }

  /** Forgets the identity and credentials here and in storage; calls in flight fail SIGNED_OUT. */
  signOut(): void {
    this.generation++;
    this.state = undefined;
    this.loaded = true;
    this.flight = undefined;
    this.cooldownUntil = 0;
    try {
      this.storage.remove(this.key);
    } catch {
      // A storage that cannot remove cannot leak either: the session is gone from memory.
    }
  }

  // --- scheduling -------------------------------------------------------------------------

  private servable(c: AwsCredentials): boolean {
    const left = c.expiresAt - this.serverNow();
    if (left > (this.opts.refreshAheadMs ?? 300_000)) return true;
    return left > MIN_VALIDITY_MS && this.clock.now() < this.cooldownUntil;
  }

  /** Runs `op` unless one is in flight, whose result is shared instead (single-flight). */
  private join(op: () => Promise<SessionState>): Promise<SessionState> {
    return this.flight ?? this.start(op);
  }

  /** Runs `op` after whatever is in flight (a sign-in is never merged into a refresh). */
  private async exclusive(op: () => Promise<SessionState>): Promise<SessionState> {
    while (this.flight) await this.flight.catch(() => undefined);
    return this.start(op);
  }

  private start(op: () => Promise<SessionState>): Promise<SessionState> {
    const p = op().finally(() => {
      if (this.flight === p) this.flight = undefined;
    });
    this.flight = p;
    return p;
  }

  // --- state ------------------------------------------------------------------------------

  private current(): SessionState | undefined {
    if (!this.loaded) {
      this.loaded = true;
      let text: string | null | undefined;
      try {
        text = this.storage.get(this.key);
      } catch {
        text = undefined;
      }
      this.state = readState(text, this.config.identityPoolId);
      if (text && !this.state) this.forget();
      this.skewMs = this.state?.skewMs ?? 0;
    }
    return this.state;
  }

  private forget(): void {
    try {
      this.storage.remove(this.key);
    } catch {
      // Unreadable and unremovable: it is ignored on every start, which is just as safe.
    }
  }

  private commit(generation: number, next: SessionState): SessionState {
    if (generation !== this.generation)
      throw new AuthError("SIGNED_OUT", "Signed out while credentials were being fetched.");
    this.state = { ...next, skewMs: this.skewMs };
    this.cooldownUntil = 0;
    try {
      this.storage.set(this.key, JSON.stringify(this.state));
    } catch {
      // Kept in memory; the next change tries the storage again.
    }
    return this.state;
  }

  private serverNow(): number {
    return this.clock.now() + this.skewMs;
  }

  /** The Date header has one-second resolution: only a skew beyond that is worth correcting. */
  private learnClock(res: HttpResponse): void {
    const date = Date.parse(res.headers["date"] ?? "");
    if (Number.isNaN(date)) return;
    const skew = date + 500 - this.clock.now();
    if (Math.abs(skew - this.skewMs) > 2_000) this.skewMs = skew;
  }

  private forSdk(c: AwsCredentials): AwsCredentialIdentity {
    return {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      sessionToken: c.sessionToken,
      // In this device's clock, which is what the SDK compares it with.
      expiration: new Date(c.expiresAt - this.skewMs),
    };
  }

  private retry<T>(attempt: (n: number) => Promise<T>): Promise<T> {
    return withRetry(attempt, this.retryPolicy, this.clock, this.opts.random ?? Math.random);
  }

  private async loginCode(): Promise<string> {
    if (!this.opts.getLoginCode)
      throw new AuthError(
        "SESSION_EXPIRED",
        "Sign-in needed: call signIn(code) or pass getLoginCode.",
      );
    return this.opts.getLoginCode();
  }

  // --- refresh ----------------------------------------------------------------------------

  private async refresh(): Promise<SessionState> {
    const generation = this.generation;
    const s = this.current();
    try {
      return this.commit(generation, await this.renew(s));
    } catch (err) {
      // A refresh ahead of expiry failed, but the credentials in hand still work: serve them.
      const retryable = err instanceof AuthError && err.retryable;
      if (retryable && s?.creds && s.creds.expiresAt - this.serverNow() > MIN_VALIDITY_MS) {
        this.cooldownUntil = this.clock.now() + REFRESH_COOLDOWN_MS;
        return s;
      }
      throw err;
    }
  }

  private async renew(s: SessionState | undefined): Promise<SessionState> {
    if (!s) {
      if (this.config.guests) return this.newGuest();
      if (!this.opts.getLoginCode)
        throw new AuthError("NOT_SIGNED_IN", "No guests in this stack: call signIn(code) first.");
      return this.login(await this.loginCode(), undefined);
    }
    if (s.kind === "guest") return this.renewGuest(s);
    const token = s.token;
    if (token && token.expiresAt - this.serverNow() > TOKEN_MARGIN_MS) {
      try {
        return { ...s, creds: await this.exchangeToken(s.identityId, token.value) };
      } catch (err) {
        // Cognito no longer takes the token (revoked, or the server's clock says expired).
        if (!isAuthError(err, "NotAuthorizedException")) throw err;
      }
    }
    return this.login(await this.loginCode(), s);
  }

  private exchangeToken(identityId: string, token: string): Promise<AwsCredentials> {
    return this.retry(() =>
      getCredentialsForIdentity(this.ex, this.config.cognitoEndpoint, identityId, {
        [this.config.loginsKey]: token,
      }),
    );
  }

  // --- guests -----------------------------------------------------------------------------

  private async newGuest(): Promise<SessionState> {
    const identityId = await this.retry(() =>
      getId(this.ex, this.config.cognitoEndpoint, this.config.identityPoolId),
    );
    return { v: 1, kind: "guest", identityId, creds: await this.guestCreds(identityId) };
  }

  /** Same guest identity, new credentials; a new identity if Cognito no longer knows it. */
  private async renewGuest(s: SessionState): Promise<SessionState> {
    try {
      return { ...s, creds: await this.guestCreds(s.identityId) };
    } catch (err) {
      if (!isGoneIdentity(err)) throw err;
      return this.newGuest();
    }
  }

  private async guestCreds(identityId: string): Promise<AwsCredentials> {
    const { cognitoEndpoint, stsEndpoint, guestRoleArn } = this.config;
    if (this.config.login.auth !== "iam") {
      return this.retry(() => getCredentialsForIdentity(this.ex, cognitoEndpoint, identityId));
    }
    const token = await this.retry(() => getOpenIdToken(this.ex, cognitoEndpoint, identityId));
    return this.retry(() =>
      assumeRoleWithWebIdentity(this.ex, stsEndpoint, {
        roleArn: guestRoleArn as string,
        token,
        roleSessionName: guestSessionName(identityId),
      }),
    );
  }

  /** The guest identity and credentials that sign a login request (`auth: iam`). */
  private async signer(s: SessionState | undefined): Promise<Signer> {
    const margin = MIN_VALIDITY_MS * 2;
    if (s?.kind === "guest") {
      const g =
        s.creds && s.creds.expiresAt - this.serverNow() > margin ? s : await this.renewGuest(s);
      return { identityId: g.identityId, creds: g.creds };
    }
    if (s?.signer) {
      try {
        return {
          identityId: s.signer.identityId,
          creds: await this.guestCreds(s.signer.identityId),
        };
      } catch (err) {
        if (!isGoneIdentity(err)) throw err;
      }
    }
    const g = await this.newGuest();
    return { identityId: g.identityId, creds: g.creds };
  }

  // --- login ------------------------------------------------------------------------------

  private async login(code: string, prior: SessionState | undefined): Promise<SessionState> {
    const signer = this.config.login.auth === "iam" ? await this.signer(prior) : undefined;
    let answer: LoginAnswer;
    for (let freshCode = false; ; freshCode = true) {
      try {
        answer = await this.retry(async (n) => {
          // A throttled or failed attempt may already have spent the code at WeChat (codes are
          // single-use), so each retry takes a fresh one when the app can give it.
          if (n > 1 && this.opts.getLoginCode) code = await this.opts.getLoginCode();
          return callLogin(this.ex, this.config, code, signer, new Date(this.serverNow()));
        });
        break;
      } catch (err) {
        // A code is single-use and short-lived: one fresh one is worth a try, no more.
        if (!isAuthError(err, "INVALID_CODE") || freshCode || !this.opts.getLoginCode) throw err;
        code = await this.opts.getLoginCode();
      }
    }
    const next: SessionState =
      answer.kind === "enhanced"
        ? {
            v: 1,
            kind: "user",
            identityId: answer.identityId,
            token: { value: answer.token, expiresAt: answer.expiresAt },
            creds: await this.exchangeToken(answer.identityId, answer.token),
          }
        : { v: 1, kind: "user", identityId: answer.identityId, creds: answer.creds };
    // Guest credentials are dropped. A guest identity the login did not link stays unauthenticated
    // and signs later re-logins, so each re-login does not leave another identity behind.
    if (signer && signer.identityId !== answer.identityId)
      next.signer = { identityId: signer.identityId };
    return next;
  }
}

/** Cognito no longer serves this guest identity as a guest (deleted, or linked to a login). */
function isGoneIdentity(err: unknown): boolean {
  return (
    isAuthError(err, "NotAuthorizedException") || isAuthError(err, "ResourceNotFoundException")
  );
}
