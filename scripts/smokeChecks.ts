/**
 * The smoke checks themselves (scripts/smoke.ts documents them and is the command): each AWS
 * call bounded, no retries, every printed text redacted against the secrets seen.
 */
import { CognitoIdentityClient, DeleteIdentitiesCommand } from "@aws-sdk/client-cognito-identity";
import { STSClient } from "@aws-sdk/client-sts";
import { randomUUID } from "node:crypto";
import type { PartitionId } from "../core/partition";
import { accountDeletion } from "./smokeAccount";
import { defaultS3For, identityIsolation } from "./smokeIsolation";
import { loginRoute, oauthLoginRoute } from "./smokeRoute";
import type { AnyCredentials, SmokeDeps, SmokeRun } from "./smokeRun";
import {
  authenticatedTrust,
  basicFlow,
  guestCannotAssumeAuthenticated,
  guestTrust,
} from "./smokeTrust";
import {
  Redactor,
  errorInfo,
  fail,
  parseSmokeTarget,
  pass,
  said,
  skip,
  type CheckStatus,
  type Outcome,
} from "./smokeTarget";

export { SMOKE_SESSION_SECONDS, SMOKE_TOKEN_DURATION_SECONDS, type SmokeDeps } from "./smokeRun";
export type { CheckStatus };

export const CHECKS = [
  "authenticated-trust",
  "basic-flow",
  "guest-trust",
  "guest-cannot-assume-authenticated",
  "login-route",
  "oauth-login-route",
  "identity-isolation",
  "account-deletion",
  "cleanup",
] as const;
export type CheckName = (typeof CHECKS)[number];

export interface CheckResult {
  readonly name: CheckName;
  readonly status: CheckStatus;
  /** Why it failed (with the fix) or was skipped, or what a pass proved. Never a secret. */
  readonly detail?: string;
}

export interface SmokeReport {
  readonly stack: string;
  readonly partition: PartitionId;
  readonly region: string;
  readonly identityPoolId: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly checks: CheckResult[];
  /** IdentityIds this run created (all of them are deleted by `cleanup`). */
  readonly createdIdentityIds: string[];
  /** True when no check failed. */
  readonly ok: boolean;
}

export interface SmokeOptions {
  readonly stack: string;
  /** Upper bound of each AWS call, in milliseconds (aborted after it). */
  readonly callTimeoutMs?: number;
  /** Called with each result as soon as it is known (the CLI prints it). */
  readonly onCheck?: (check: CheckResult) => void;
}

export const DEFAULT_CALL_TIMEOUT_MS = 15_000;

/** Runs every check against a deployed stack. Never throws for an AWS error: it reports it. */
export async function runSmoke(
  deps: SmokeDeps,
  outputs: unknown,
  opts: SmokeOptions,
): Promise<SmokeReport> {
  const t = parseSmokeTarget(opts.stack, outputs);
  const now = deps.now ?? (() => new Date());
  const suffix = (deps.random ?? randomUUID)().replace(/[^\w+=,.@-]/g, "");
  const timeoutMs = opts.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const redactor = new Redactor();
  const created: string[] = [];
  const r: SmokeRun = {
    t,
    deps,
    now,
    suffix,
    timeoutMs,
    redactor,
    created,
    gone: new Set(),
    bounded: () => ({ abortSignal: AbortSignal.timeout(timeoutMs) }),
    session: (kind) => `smoke-${kind}-${suffix}`.slice(0, 64),
    gotCredentials: (c: AnyCredentials | undefined) => {
      redactor.add(c?.AccessKeyId, c?.SecretKey, c?.SecretAccessKey, c?.SessionToken);
      return Boolean(c?.AccessKeyId);
    },
    info: (err) => {
      const e = errorInfo(err);
      const message = redactor.redact(e.message);
      return { ...e, message: message.length > 300 ? `${message.slice(0, 300)}…` : message };
    },
  };
  const info = r.info;

  const startedAt = now().toISOString();
  const checks: CheckResult[] = [];

  async function check(name: CheckName, run: () => Promise<Outcome>): Promise<void> {
    let outcome: Outcome;
    try {
      outcome = await run();
    } catch (err) {
      outcome = fail(`unexpected error (${said(info(err))})`);
    }
    const result: CheckResult =
      outcome.detail === undefined
        ? { name, status: outcome.status }
        : { name, status: outcome.status, detail: redactor.redact(outcome.detail) };
    checks.push(result);
    opts.onCheck?.(result);
  }

  /**
   * 8. Best effort, one call: every identity this run created and no check proved deleted. An
   * identity already gone is fine: DeleteIdentities documents no not-found error, but should
   * Cognito refuse the batch as not found, each is deleted on its own and a not-found one counts
   * as deleted.
   */
  async function cleanup(): Promise<Outcome> {
    if (created.length === 0) return skip("no identities were created");
    const already = created.filter((id) => r.gone.has(id));
    const left = created.filter((id) => !r.gone.has(id));
    const done = already.length === 0 ? "" : `; ${already.join(", ")} already deleted`;
    if (left.length === 0) return pass(`nothing left${done}`);
    const ids = left.join(", ");
    const fix =
      "grant the deployer cognito-identity:DeleteIdentities (on * with the " +
      "cognito-identity:IdentityPoolArn condition), or delete them: " +
      `aws cognito-identity delete-identities --identity-ids-to-delete ${left.join(" ")} ` +
      `--region ${t.region}`;
    const notFound = (err: unknown) => info(err).name === "ResourceNotFoundException";
    const remove = async (batch: string[]) => {
      const out = await deps.cognito.send(
        new DeleteIdentitiesCommand({ IdentityIdsToDelete: batch }),
        r.bounded(),
      );
      return out.UnprocessedIdentityIds ?? [];
    };
    try {
      let undeleted;
      try {
        undeleted = await remove(left);
      } catch (err) {
        if (!notFound(err)) throw err;
        undeleted = [];
        for (const id of left) {
          try {
            undeleted.push(...(await remove([id])));
          } catch (one) {
            if (!notFound(one)) throw one;
          }
        }
      }
      if (undeleted.length === 0) return pass(`deleted ${ids}${done}`);
      const which = undeleted.map((u) => `${u.IdentityId ?? "?"} (${u.ErrorCode ?? "?"})`);
      return fail(`DeleteIdentities left ${which.join(", ")} undeleted. Fix: ${fix}`);
    } catch (err) {
      return fail(`DeleteIdentities failed for ${ids} (${said(info(err))}). Fix: ${fix}`);
    }
  }

  const guestRoleArn = t.guestRoleArn;
  const noGuests = async () => skip("not applicable: the stack has no guest role");
  try {
    await check("authenticated-trust", () => authenticatedTrust(r));
    await check("basic-flow", () => basicFlow(r));
    await check("guest-trust", guestRoleArn ? () => guestTrust(r, guestRoleArn) : noGuests);
    await check(
      "guest-cannot-assume-authenticated",
      guestRoleArn ? () => guestCannotAssumeAuthenticated(r) : noGuests,
    );
    await check("login-route", () => loginRoute(r));
    await check("oauth-login-route", () => oauthLoginRoute(r));
    await check("identity-isolation", () =>
      identityIsolation({
        t,
        outputs,
        cognito: deps.cognito,
        s3For: deps.s3For ?? defaultS3For,
        suffix: r.suffix,
        bounded: () => r.bounded(),
        created: r.created,
        secret: (...values) => r.redactor.add(...values),
      }),
    );
    await check("account-deletion", () => accountDeletion(r));
  } finally {
    await check("cleanup", cleanup);
  }

  return {
    stack: t.stack,
    partition: t.partition,
    region: t.region,
    identityPoolId: t.identityPoolId,
    startedAt,
    finishedAt: now().toISOString(),
    checks,
    createdIdentityIds: [...created],
    ok: checks.every((c) => c.status !== "fail"),
  };
}

/** One line per check. */
export function renderCheck(c: CheckResult): string {
  if (c.status === "pass") return `✔ ${c.name}`;
  if (c.status === "skip") return `- ${c.name}: ${c.detail ?? "skipped"}`;
  return `✖ ${c.name}: ${c.detail ?? "failed"}`;
}

export function exitCodeOf(report: Pick<SmokeReport, "checks">): 0 | 1 {
  return report.checks.some((c) => c.status === "fail") ? 1 : 0;
}

/** Bounded SDK clients of the stack's region (regional endpoints, China included), no retries. */
export function defaultDeps(region: string): SmokeDeps {
  const config = {
    region,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 3000, requestTimeout: 10_000 },
  };
  return { cognito: new CognitoIdentityClient(config), sts: new STSClient(config) };
}
