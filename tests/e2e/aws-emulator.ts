/**
 * An AWS API emulator for one identity pool, shared by both sides of the login: the bundled
 * function's signed `GetOpenIdTokenForDeveloperIdentity` and the client kit's unsigned `GetId`,
 * `GetOpenIdToken` and `GetCredentialsForIdentity` (awsJson1_1) hit the SAME identity model
 * (tests/functions/cognito-model.ts: one IdentityId per developer user id, linking by IdentityId,
 * several developer users per identity), plus STS `AssumeRoleWithWebIdentity` (Query protocol,
 * XML answer) for the basic flow and basic-flow guests. Every token and credential it issues is
 * remembered, so the API Gateway shim and the S3 stand-in can check signatures against them.
 *
 * As the Cognito and STS API references describe them:
 * - GetCredentialsForIdentity takes a token it issued only under the partition's logins key
 *   (global `cognito-identity.amazonaws.com`, Beijing `cognito-identity.cn-north-1.amazonaws.com.cn`),
 *   for the identity the token names, while the token is valid; without Logins it serves guests,
 *   and only unauthenticated identities of a pool that allows them (docs/cognito.md, "Guests and the session policy").
 * - GetOpenIdToken (basic-flow guests) needs the pool's classic flow; its token lasts 10 minutes.
 * - AssumeRoleWithWebIdentity: the role's trust (aud = the pool, amr) must match the token: the
 *   authenticated role for login tokens, the guest role for guest tokens.
 * - Enhanced-flow guest credentials carry AWS's guest session policy (no execute-api:Invoke): the
 *   `flow` of each issued credential says which kind it is (docs/guest-signing.md).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { CognitoIdentities } from "../functions/cognito-model";
import { fakeJwt } from "../functions/support";
import { serve, type Reply, type Served } from "./serve";
import type { RawRequest } from "./sigv4";

export interface PoolSettings {
  readonly region: string;
  readonly identityPoolId: string;
  readonly developerProviderName: string;
  /** AllowUnauthenticatedIdentities. */
  readonly allowGuests: boolean;
  /** AllowClassicFlow (GetOpenIdToken for guests). */
  readonly allowClassicFlow: boolean;
  readonly authenticatedRoleArn: string;
  readonly guestRoleArn?: string | undefined;
}

export interface IssuedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** Epoch ms. */
  readonly expiresAt: number;
  readonly identityId: string;
  readonly amr: "authenticated" | "unauthenticated";
  /** `enhanced`: from GetCredentialsForIdentity; `basic`: from AssumeRoleWithWebIdentity. */
  readonly flow: "enhanced" | "basic";
  readonly roleArn: string;
}

interface IssuedToken {
  readonly identityId: string;
  readonly amr: "authenticated" | "unauthenticated";
  readonly expiresAt: number;
}

export interface Call {
  readonly service: "cognito" | "sts";
  readonly op: string;
  readonly signed: boolean;
  readonly input: Record<string, unknown>;
}

/** AWS's facts, written out here rather than taken from the code under test. */
function loginsKeyOf(region: string): string {
  return region.startsWith("cn-")
    ? `cognito-identity.${region}.amazonaws.com.cn`
    : "cognito-identity.amazonaws.com";
}

const HOUR_MS = 3_600_000;

export class AwsEmulator {
  readonly model: CognitoIdentities;
  readonly loginsKey: string;
  readonly tokens = new Map<string, IssuedToken>();
  readonly credentials = new Map<string, IssuedCredentials>();
  readonly calls: Call[] = [];
  /** Error types to answer, in order, to the next calls of an operation. */
  private readonly faults = new Map<string, string[]>();
  server!: Served;

  constructor(readonly pool: PoolSettings) {
    this.model = new CognitoIdentities(pool.region);
    this.loginsKey = loginsKeyOf(pool.region);
  }

  async start(): Promise<this> {
    this.server = await serve((req) => this.handle(req));
    return this;
  }

  /** The next `times` calls of `op` answer `type` (e.g. TooManyRequestsException, Throttling). */
  fail(op: string, type: string, times = 1): void {
    this.faults.set(op, [...(this.faults.get(op) ?? []), ...Array<string>(times).fill(type)]);
  }

  ops(service?: Call["service"]): string[] {
    return this.calls.filter((c) => !service || c.service === service).map((c) => c.op);
  }

  private handle(req: RawRequest): Reply {
    const target = req.headers["x-amz-target"] ?? "";
    const signed = (req.headers["authorization"] ?? "").startsWith("AWS4-HMAC-SHA256 ");
    if (target.startsWith("AWSCognitoIdentityService.")) {
      const op = target.slice("AWSCognitoIdentityService.".length);
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(req.body) as Record<string, unknown>;
      } catch {
        return jsonError("SerializationException", "body");
      }
      this.calls.push({ service: "cognito", op, signed, input });
      const fault = this.faults.get(op)?.shift();
      if (fault) return jsonError(fault, "Rate exceeded");
      return this.cognito(op, input, req);
    }
    const form = new URLSearchParams(req.body);
    const op = form.get("Action") ?? "";
    this.calls.push({ service: "sts", op, signed, input: Object.fromEntries(form) });
    const fault = this.faults.get(op)?.shift();
    if (fault) return xmlError(fault, "Rate exceeded");
    if (req.method !== "POST" || form.get("Version") !== "2011-06-15" || op === "")
      return xmlError("InvalidAction", "Could not find operation");
    if (op !== "AssumeRoleWithWebIdentity") return xmlError("InvalidAction", `${op} not modelled`);
    return this.assumeRoleWithWebIdentity(form);
  }

  private cognito(op: string, input: Record<string, unknown>, req: RawRequest): Reply {
    const p = this.pool;
    switch (op) {
      case "GetOpenIdTokenForDeveloperIdentity": {
        // The function's call: SigV4 with its role's credentials, for this region.
        const auth = req.headers["authorization"] ?? "";
        if (!auth.includes(`/${p.region}/cognito-identity/aws4_request`))
          return jsonError("NotAuthorizedException", "Missing Authentication Token");
        if (input["IdentityPoolId"] !== p.identityPoolId)
          return jsonError("ResourceNotFoundException", "pool");
        const logins = (input["Logins"] ?? {}) as Record<string, string>;
        const user = logins[p.developerProviderName];
        if (!user || Object.keys(logins).length !== 1)
          return jsonError("InvalidParameterException", "Logins");
        const duration = Number(input["TokenDuration"] ?? 900);
        if (!Number.isInteger(duration) || duration < 1 || duration > 86_400)
          return jsonError("InvalidParameterException", "TokenDuration");
        const linked = this.model.link(
          user,
          typeof input["IdentityId"] === "string" ? input["IdentityId"] : undefined,
        );
        if ("refused" in linked) return jsonError(linked.refused, "refused");
        const token = this.issueToken(linked.identityId, "authenticated", duration * 1000);
        return json({ IdentityId: linked.identityId, Token: token });
      }
      case "GetId": {
        if (input["IdentityPoolId"] !== p.identityPoolId)
          return jsonError("ResourceNotFoundException", "IdentityPool not found");
        // A developer token is no login GetId accepts (why fromCognitoIdentityPool cannot serve
        // developer identities).
        if (input["Logins"] !== undefined)
          return jsonError("NotAuthorizedException", "Invalid login token.");
        if (!p.allowGuests)
          return jsonError(
            "NotAuthorizedException",
            "Unauthenticated access is not supported for this identity pool.",
          );
        return json({ IdentityId: this.model.createGuest() });
      }
      case "GetOpenIdToken": {
        const id = String(input["IdentityId"] ?? "");
        if (!this.model.logins.has(id))
          return jsonError("ResourceNotFoundException", "Identity not found");
        if (input["Logins"] !== undefined || this.model.loginsOf(id).length > 0)
          return jsonError("NotAuthorizedException", "Logins don't match.");
        if (!p.allowGuests)
          return jsonError("NotAuthorizedException", "Unauthenticated access is not supported.");
        if (!p.allowClassicFlow)
          return jsonError(
            "InvalidParameterException",
            "Basic (classic) flow is not enabled, please use enhanced flow.",
          );
        return json({ IdentityId: id, Token: this.issueToken(id, "unauthenticated", 600_000) });
      }
      case "GetCredentialsForIdentity":
        return this.getCredentialsForIdentity(input);
      default:
        return jsonError("UnknownOperationException", op);
    }
  }

  private getCredentialsForIdentity(input: Record<string, unknown>): Reply {
    const p = this.pool;
    const id = String(input["IdentityId"] ?? "");
    if (!this.model.logins.has(id))
      return jsonError("ResourceNotFoundException", "Identity not found");
    const authenticated = this.model.loginsOf(id).length > 0;
    const logins = input["Logins"] as Record<string, string> | undefined;
    if (logins === undefined) {
      if (authenticated) return jsonError("NotAuthorizedException", "Logins don't match.");
      if (!p.allowGuests || !p.guestRoleArn)
        return jsonError("NotAuthorizedException", "Unauthenticated access is not supported.");
      return this.credentialsJson(this.issueCredentials(id, "unauthenticated", "enhanced"));
    }
    const keys = Object.keys(logins);
    const token = this.tokens.get(logins[this.loginsKey] ?? "");
    if (keys.length !== 1 || keys[0] !== this.loginsKey || !token)
      return jsonError("NotAuthorizedException", "Invalid login token. Issuer doesn't match.");
    if (token.amr !== "authenticated" || token.identityId !== id || !authenticated)
      return jsonError(
        "NotAuthorizedException",
        "Invalid login token. Can't pass in a Cognito token.",
      );
    if (token.expiresAt <= Date.now())
      return jsonError("NotAuthorizedException", "Invalid login token. Token expired.");
    return this.credentialsJson(this.issueCredentials(id, "authenticated", "enhanced"));
  }

  private assumeRoleWithWebIdentity(form: URLSearchParams): Reply {
    const p = this.pool;
    const token = this.tokens.get(form.get("WebIdentityToken") ?? "");
    if (!token || token.expiresAt <= Date.now())
      return xmlError("InvalidIdentityToken", "Couldn't validate the token");
    if (!/^[\w+=,.@-]{2,64}$/.test(form.get("RoleSessionName") ?? ""))
      return xmlError("ValidationError", "RoleSessionName");
    const role = form.get("RoleArn");
    // The roles' trust policies: aud = this pool (every token here is this pool's), amr.
    const trusted =
      token.amr === "authenticated" ? p.authenticatedRoleArn : (p.guestRoleArn ?? "(none)");
    if (role !== trusted) return xmlError("AccessDenied", "Not authorized to perform AssumeRole");
    const duration = Number(form.get("DurationSeconds") ?? 3600);
    if (!Number.isInteger(duration) || duration < 900 || duration > 43_200)
      return xmlError("ValidationError", "DurationSeconds");
    const c = this.issueCredentials(token.identityId, token.amr, "basic", duration * 1000);
    const session = form.get("RoleSessionName") as string;
    return {
      status: 200,
      headers: { "content-type": "text/xml", "x-amzn-requestid": randomUUID() },
      body: `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>${token.identityId}</SubjectFromWebIdentityToken>
    <Audience>${p.identityPoolId}</Audience>
    <AssumedRoleUser><Arn>${role}/${session}</Arn><AssumedRoleId>AROAEMULATOR:${session}</AssumedRoleId></AssumedRoleUser>
    <Credentials>
      <AccessKeyId>${c.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${c.secretAccessKey}</SecretAccessKey>
      <SessionToken>${c.sessionToken.replace(/\+/g, "&#43;")}</SessionToken>
      <Expiration>${new Date(c.expiresAt).toISOString()}</Expiration>
    </Credentials>
    <Provider>${this.loginsKey}</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>`,
    };
  }

  private issueToken(identityId: string, amr: IssuedToken["amr"], ttlMs: number): string {
    const now = Date.now();
    const token = fakeJwt({
      iss: `https://${this.loginsKey}`,
      sub: identityId,
      aud: this.pool.identityPoolId,
      amr: amr === "authenticated" ? [amr, this.pool.developerProviderName] : [amr],
      iat: Math.floor(now / 1000),
      exp: Math.floor((now + ttlMs) / 1000),
    });
    this.tokens.set(token, { identityId, amr, expiresAt: now + ttlMs });
    return token;
  }

  private issueCredentials(
    identityId: string,
    amr: IssuedCredentials["amr"],
    flow: IssuedCredentials["flow"],
    ttlMs = HOUR_MS,
  ): IssuedCredentials {
    const c: IssuedCredentials = {
      accessKeyId: `ASIA${randomBytes(8).toString("hex").toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString("base64"),
      sessionToken: `IQoJb3JpZ2lu${randomBytes(48).toString("base64")}`,
      expiresAt: Date.now() + ttlMs,
      identityId,
      amr,
      flow,
      roleArn:
        amr === "authenticated" ? this.pool.authenticatedRoleArn : (this.pool.guestRoleArn ?? ""),
    };
    this.credentials.set(c.accessKeyId, c);
    return c;
  }

  private credentialsJson(c: IssuedCredentials): Reply {
    return json({
      IdentityId: c.identityId,
      Credentials: {
        AccessKeyId: c.accessKeyId,
        SecretKey: c.secretAccessKey,
        SessionToken: c.sessionToken,
        // awsJson timestamps: epoch seconds.
        Expiration: c.expiresAt / 1000,
      },
    });
  }
}

function json(body: unknown): Reply {
  return {
    status: 200,
    headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": randomUUID() },
    body: JSON.stringify(body),
  };
}

function jsonError(type: string, message: string): Reply {
  return {
    status: 400,
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amzn-errortype": `${type}:`,
      "x-amzn-requestid": randomUUID(),
    },
    body: JSON.stringify({ __type: type, message }),
  };
}

function xmlError(code: string, message: string): Reply {
  return {
    status: code === "AccessDenied" ? 403 : 400,
    headers: { "content-type": "text/xml", "x-amzn-requestid": randomUUID() },
    body: `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  };
}
