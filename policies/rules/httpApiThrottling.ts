/**
 * http-api-throttling: API Gateway v2 stages set their own throttling, rate AND burst, each at or
 * below a cap, for the stage default and every per-route override.
 *
 * Why: without stage limits a login burst is only capped by the account-level API Gateway quota
 * (10,000 rps), far above Cognito's GetOpenIdTokenForDeveloperIdentity quota (50 rps by default,
 * adjustable on request: Cognito Developer Guide, "Quotas in Amazon Cognito"); above it, logins
 * fail with throttling errors and the function keeps retrying. The stage throttle must sit at or
 * below that quota (docs/cognito.md, "Quotas"; API Gateway Developer Guide, "Throttle requests to
 * your HTTP APIs"). The burst is the token bucket's size: requests it admits arrive within about a
 * second, so a burst far above the rate cap lets the same overload through (core/quotas.ts
 * MAX_LOGIN_BURST_LIMIT). Per-route `routeSettings` override the stage default, so they are capped
 * too. Burst >= rate is not required (API Gateway accepts any pair). Raise the caps with the
 * policy config `maxRateLimit` / `maxBurstLimit` after AWS raises the Cognito quota.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { MAX_LOGIN_BURST_LIMIT, MAX_LOGIN_RATE_LIMIT } from "../../core/quotas";
import { TYPES } from "./types";
import { asList, isRecord } from "./util";

export interface HttpApiThrottlingConfig {
  /** Highest allowed throttlingRateLimit (rps); default MAX_LOGIN_RATE_LIMIT. */
  maxRateLimit?: number;
  /** Highest allowed throttlingBurstLimit (requests); default MAX_LOGIN_BURST_LIMIT. */
  maxBurstLimit?: number;
}

/** The two limits, the config key that caps each, its default and its unit for messages. */
const LIMITS = [
  { key: "throttlingRateLimit", cap: "maxRateLimit", default: MAX_LOGIN_RATE_LIMIT, unit: "rps" },
  {
    key: "throttlingBurstLimit",
    cap: "maxBurstLimit",
    default: MAX_LOGIN_BURST_LIMIT,
    unit: "requests",
  },
] as const;

export const httpApiThrottling: ResourceValidationPolicy = {
  name: "http-api-throttling",
  description: `API Gateway v2 stages must set throttling rate and burst limits, at or below maxRateLimit (default ${MAX_LOGIN_RATE_LIMIT}) and maxBurstLimit (default ${MAX_LOGIN_BURST_LIMIT}).`,
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      maxRateLimit: {
        type: "number",
        exclusiveMinimum: 0,
        default: MAX_LOGIN_RATE_LIMIT,
        description:
          "Highest allowed stage/route throttlingRateLimit (rps): your GetOpenIdTokenForDeveloperIdentity quota.",
      },
      maxBurstLimit: {
        type: "number",
        exclusiveMinimum: 0,
        default: MAX_LOGIN_BURST_LIMIT,
        description:
          "Highest allowed stage/route throttlingBurstLimit (requests): at most what that quota serves in a second.",
      },
    },
  },
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.stage) return;
    const config = args.getConfig<HttpApiThrottlingConfig>();
    const caps: Record<string, number> = {};
    for (const limit of LIMITS) {
      const configured = config[limit.cap];
      if (configured !== undefined && !(typeof configured === "number" && configured > 0)) {
        reportViolation(
          `Policy config http-api-throttling.${limit.cap} is ${JSON.stringify(configured)}, not a ` +
            `positive number, so stage '${args.name}' cannot be checked; set it to your Cognito ` +
            `GetOpenIdTokenForDeveloperIdentity quota in requests per second.`,
        );
        return;
      }
      caps[limit.key] = configured ?? limit.default;
    }

    const settings = args.props["defaultRouteSettings"];
    const missing = LIMITS.filter(({ key }) => {
      const value = isRecord(settings) ? settings[key] : undefined;
      return typeof value !== "number" || !(value > 0);
    }).map((l) => l.key);
    if (missing.length > 0) {
      reportViolation(
        `API stage '${args.name}' has no defaultRouteSettings.${missing.join(" / ")} (> 0), so ` +
          `only the account-wide quota limits it, far above Cognito's token quota; set the rate ` +
          `at or below ${caps["throttlingRateLimit"]} rps and the burst at or below ` +
          `${caps["throttlingBurstLimit"]}.`,
      );
    }

    const scopes: { where: string; settings: unknown }[] = [
      { where: "defaultRouteSettings", settings },
      ...asList(args.props["routeSettings"]).map((route, i) => ({
        where: `routeSettings[${i}]${isRecord(route) && typeof route["routeKey"] === "string" ? ` (${route["routeKey"]})` : ""}`,
        settings: route,
      })),
    ];
    for (const scope of scopes) {
      if (!isRecord(scope.settings)) continue;
      for (const limit of LIMITS) {
        const value = scope.settings[limit.key];
        const cap = caps[limit.key] ?? limit.default;
        if (typeof value !== "number" || value <= cap) continue;
        reportViolation(
          `API stage '${args.name}' ${scope.where} allows ${limit.key} ${value} ${limit.unit}, ` +
            `above the ${cap} ${limit.unit} cap (Cognito's GetOpenIdTokenForDeveloperIdentity ` +
            `quota); lower it to ${cap} or less, or raise the policy config ${limit.cap} after ` +
            `AWS raises the quota.`,
        );
      }
    }
  },
};
