/**
 * A small signed AWS client for the login function's hot path, in place of the AWS SDK clients
 * (functions/README.md, "Performance": the SDK core was ~79 % of the bundle's start-up).
 *
 * What it keeps from the SDK clients it replaces:
 *  - SigV4 by `aws4` (a maintained signer over node:crypto), given the headers the SDK clients
 *    sign (`x-amz-date`, `x-amz-security-token`, `x-amz-content-sha256`); signatures are tested
 *    equal to the SDK clients'. Cheaper than the SDK's own signer here (functions/README.md,
 *    "Performance").
 *  - The wire protocols: awsJson 1.0/1.1 (`X-Amz-Target`, JSON body; error name from
 *    `x-amzn-errortype` or `__type`/`code`, namespace and `:suffix` stripped, as the SDK does) and
 *    the query protocol (form body, XML reply, `<Code>` of `<Error>`).
 *  - Endpoints: regional by partition, `AWS_ENDPOINT_URL_<SERVICE>` / `AWS_ENDPOINT_URL`
 *    (aws-endpoints.ts); credentials from the Lambda environment (`AWS_ACCESS_KEY_ID`, ...).
 *  - Per-attempt connect / response-headers / socket-idle timeouts, keep-alive sockets, retries
 *    of transient errors only (aws-retry.ts), the invocation AbortSignal on every attempt and
 *    backoff. Errors carry `name`, `$fault` and `$metadata.httpStatusCode` as SDK service errors
 *    do, so `classifyAwsError` (errors.ts) and the adapters classify them unchanged.
 * Upstream error messages are never copied into errors (they can echo request data).
 * The HTTP attempt lives in transport.ts (shared with the WeChat adapter), the protocols'
 * encodings and error parsing in aws-protocol.ts.
 */
import { hash } from "node:crypto";
import { sign as sigV4 } from "aws4";
import { AWS_SERVICES, resolveEndpoint, type AwsService } from "./aws-endpoints";
import {
  AwsAbortError,
  attempt,
  sleep,
  type AwsReply,
  type AwsRequest,
  type AwsServiceError,
  type AwsTimeouts,
} from "./transport";
import { jsonError, queryError, queryEscape } from "./aws-protocol";
import {
  retryErrorType,
  transientOnlyRetry,
  type RetryStrategy,
  type RetryToken,
} from "./aws-retry";
import { ConfigError } from "./errors";
import type { Deadline } from "./ports";

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

export interface AwsClientOptions {
  readonly service: AwsService;
  readonly region: string;
  readonly timeouts: AwsTimeouts;
  /** Environment for endpoints and credentials; `process.env` by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Clock of the signature (tests sign at a given time). */
  readonly now?: () => Date;
  /** Retry strategy; transient errors only, `timeouts.maxAttempts` attempts by default. */
  readonly retry?: RetryStrategy;
}

/** What the adapters need of a client (tests inject recording fakes). */
export type JsonClient = Pick<AwsClient, "json">;
export type QueryClient = Pick<AwsClient, "query">;

export class AwsClient {
  readonly endpoint: URL;
  private readonly retry: RetryStrategy;
  private readonly env: Readonly<Record<string, string | undefined>>;
  /** Read at the first signed request (process.env reads are C++ calls, ~1-2 us each). */
  private credentials: AwsCredentials | undefined;

  constructor(private readonly opts: AwsClientOptions) {
    const env = opts.env ?? process.env;
    this.env = env;
    this.endpoint = resolveEndpoint(opts.service, opts.region, env);
    this.retry = opts.retry ?? transientOnlyRetry(opts.timeouts.maxAttempts);
  }

  /** One awsJson call (`operation` without the target prefix); resolves with the parsed reply. */
  async json<T>(operation: string, input: object, signal?: Deadline): Promise<T> {
    const json = AWS_SERVICES[this.opts.service].json;
    if (!json) throw new Error(`${this.opts.service} does not speak awsJson`);
    const reply = await this.send(
      this.request(`application/x-amz-json-${json.version}`, JSON.stringify(input), {
        "x-amz-target": `${json.targetPrefix}.${operation}`,
      }),
      jsonError,
      signal,
    );
    return (reply.body.trim() === "" ? {} : JSON.parse(reply.body)) as T;
  }

  /** One query-protocol call; resolves with the XML reply body. */
  async query(action: string, params: Record<string, string>, signal?: Deadline) {
    const version = AWS_SERVICES[this.opts.service].queryVersion;
    if (!version) throw new Error(`${this.opts.service} does not speak the query protocol`);
    const form = Object.entries({ Action: action, Version: version, ...params })
      .map(([k, v]) => `${queryEscape(k)}=${queryEscape(v)}`)
      .join("&");
    const reply = await this.send(
      this.request("application/x-www-form-urlencoded", form, {}),
      queryError,
      signal,
    );
    return reply.body;
  }

  /** The unsigned request as the SDK builds it (host with port, content-length). */
  request(contentType: string, body: string, headers: Record<string, string>): AwsRequest {
    const e = this.endpoint;
    return {
      method: "POST",
      protocol: e.protocol,
      hostname: e.hostname,
      port: e.port === "" ? undefined : Number(e.port),
      path: e.pathname || "/",
      query: {},
      headers: {
        "content-type": contentType,
        ...headers,
        "content-length": String(Buffer.byteLength(body)),
        host: e.host,
      },
      body,
    };
  }

  /**
   * SigV4-sign `req` (a copy) at the client's clock, with the credentials of the environment,
   * read at the first signed request and kept, as the SDK clients' memoized environment provider
   * kept them (Lambda sets them once per execution environment; a missing key is reported at
   * every request until it is there). STS AssumeRoleWithWebIdentity is
   * unauthenticated (the web identity token is the credential): sent unsigned, as the SDK does.
   */
  sign(req: AwsRequest, at?: Date): AwsRequest {
    if (this.opts.service === "sts") return req;
    const credentials = (this.credentials ??= envCredentials(this.env));
    // 2026-01-01T00:00:00.000Z -> 20260101T000000Z
    const iso = (at ?? this.opts.now?.() ?? new Date()).toISOString();
    const amzDate = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
    // The headers the SDK's signer adds and signs (its applyChecksum: the payload hash);
    // aws4 signs at this x-amz-date and keeps these names as they are.
    const headers: Record<string, string> = {
      ...req.headers,
      "x-amz-date": amzDate,
      ...(credentials.sessionToken ? { "x-amz-security-token": credentials.sessionToken } : {}),
      "x-amz-content-sha256": hash("sha256", req.body, "hex"),
    };
    const signed = sigV4(
      {
        service: this.opts.service,
        region: this.opts.region,
        method: req.method,
        host: req.headers["host"],
        path: req.path,
        headers,
        body: req.body,
      },
      credentials,
    );
    // aws4 names it "Authorization"; every other name stays lower-case, as the SDK sends them.
    const { Authorization: authorization, ...rest } = signed.headers as Record<string, string>;
    return { ...req, headers: { ...rest, authorization: String(authorization) } };
  }

  private async send(
    req: AwsRequest,
    toError: (reply: AwsReply) => AwsServiceError,
    signal: Deadline | undefined,
  ): Promise<AwsReply> {
    // The strategy's token is taken at the first transient failure, not before every call: a
    // call whose first attempt succeeds (nearly all) never awaits it, and the success that
    // follows a retry is recorded (transientOnlyRetry keeps no state between calls).
    let token: RetryToken | undefined;
    for (;;) {
      if (signal?.aborted) throw new AwsAbortError("aborted");
      let err: unknown;
      try {
        const reply = await attempt(this.sign(req), this.opts.timeouts, signal);
        if (reply.status >= 200 && reply.status < 300) {
          if (token !== undefined) this.retry.recordSuccess(token);
          return reply;
        }
        err = toError(reply);
      } catch (e) {
        err = e;
      }
      token = await this.retryToken(err, token);
      await sleep(token.getRetryDelay(), signal);
    }
  }

  /**
   * The token of the next attempt after `err`, or throws `err`: only transient errors are ever
   * retried, so the strategy (and its refusal) is skipped for the rest, e.g. every
   * ConditionalCheckFailedException of a first login. Its own method: a login whose calls all
   * succeed never compiles it.
   */
  private async retryToken(err: unknown, last: RetryToken | undefined): Promise<RetryToken> {
    if (err instanceof AwsAbortError || err instanceof ConfigError) throw err;
    const e = err as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: number } };
    const errorType = retryErrorType(
      typeof e.name === "string" ? e.name : "",
      e.$metadata?.httpStatusCode,
      typeof e.code === "string" ? e.code : undefined,
    );
    if (errorType !== "TRANSIENT") throw err;
    try {
      const token = last ?? (await this.retry.acquireInitialRetryToken(this.opts.service));
      return await this.retry.refreshRetryTokenForRetry(token, { errorType });
    } catch {
      throw err;
    }
  }
}

/** The Lambda credential source: the execution role's keys in the environment. */
export function envCredentials(env: Readonly<Record<string, string | undefined>>): AwsCredentials {
  const accessKeyId = env["AWS_ACCESS_KEY_ID"];
  const secretAccessKey = env["AWS_SECRET_ACCESS_KEY"];
  if (!accessKeyId || !secretAccessKey) {
    throw new ConfigError("AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are not set");
  }
  const sessionToken = env["AWS_SESSION_TOKEN"] || undefined;
  return { accessKeyId, secretAccessKey, sessionToken };
}

export {
  AwsAbortError,
  AwsServiceError,
  AwsTimeoutError,
  type AwsReply,
  type AwsRequest,
  type AwsTimeouts,
} from "./transport";
export { xmlText } from "./aws-protocol";
