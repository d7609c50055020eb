/**
 * http-api-throttling: API Gateway v2 stages set their own throttling, at or below a cap.
 *
 * Why: without stage limits a login burst is only capped by the account-level API Gateway quota
 * (10,000 rps), far above Cognito's GetOpenIdTokenForDeveloperIdentity quota (50 rps by default,
 * adjustable on request: Cognito Developer Guide, "Quotas in Amazon Cognito"); above it, logins
 * fail with throttling errors and the function keeps retrying. The stage throttle must sit at or
 * below that quota (docs/cognito.md, "Quotas"; API Gateway Developer Guide, "Throttle requests to
 * your HTTP APIs"). Per-route `routeSettings` override the stage default, so they are capped too.
 * Raise the cap with the policy config `maxRateLimit` after AWS raises the Cognito quota.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { asList, isRecord } from "./util";

export const STAGE_TYPE = "aws:apigatewayv2/stage:Stage";

/** Cognito's default GetOpenIdTokenForDeveloperIdentity quota, requests per second. */
export const DEFAULT_MAX_RATE_LIMIT = 50;

export interface HttpApiThrottlingConfig {
  /** Highest allowed throttlingRateLimit (rps); default DEFAULT_MAX_RATE_LIMIT. */
  maxRateLimit?: number;
}

export const httpApiThrottling: ResourceValidationPolicy = {
  name: "http-api-throttling",
  description:
    "API Gateway v2 stages must set throttling rate and burst limits, with rates at or below maxRateLimit (default 50).",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      maxRateLimit: {
        type: "number",
        exclusiveMinimum: 0,
        default: DEFAULT_MAX_RATE_LIMIT,
        description:
          "Highest allowed stage/route throttlingRateLimit (rps): your GetOpenIdTokenForDeveloperIdentity quota.",
      },
    },
  },
  validateResource: (args, reportViolation) => {
    if (args.type !== STAGE_TYPE) return;
    const configured = args.getConfig<HttpApiThrottlingConfig>().maxRateLimit;
    if (configured !== undefined && !(typeof configured === "number" && configured > 0)) {
      reportViolation(
        `Policy config http-api-throttling.maxRateLimit is ${JSON.stringify(configured)}, not a ` +
          `positive number, so stage '${args.name}' cannot be checked; set it to your Cognito ` +
          `GetOpenIdTokenForDeveloperIdentity quota in requests per second.`,
      );
      return;
    }
    const cap = configured ?? DEFAULT_MAX_RATE_LIMIT;

    const settings = args.props["defaultRouteSettings"];
    const missing = (["throttlingRateLimit", "throttlingBurstLimit"] as const).filter((key) => {
      const value = isRecord(settings) ? settings[key] : undefined;
      return typeof value !== "number" || !(value > 0);
    });
    if (missing.length > 0) {
      reportViolation(
        `API stage '${args.name}' has no defaultRouteSettings.${missing.join(" / ")} (> 0), so ` +
          `only the account-wide quota limits it, far above Cognito's token quota; set both at ` +
          `or below ${cap} rps.`,
      );
    }

    const rates: { where: string; rate: unknown }[] = [
      {
        where: "defaultRouteSettings",
        rate: isRecord(settings) ? settings["throttlingRateLimit"] : undefined,
      },
      ...asList(args.props["routeSettings"]).map((route, i) => ({
        where: `routeSettings[${i}]${isRecord(route) && typeof route["routeKey"] === "string" ? ` (${route["routeKey"]})` : ""}`,
        rate: isRecord(route) ? route["throttlingRateLimit"] : undefined,
      })),
    ];
    for (const { where, rate } of rates) {
      if (typeof rate !== "number" || rate <= cap) continue;
      reportViolation(
        `API stage '${args.name}' ${where} allows throttlingRateLimit ${rate} rps, above the ` +
          `${cap} rps cap (Cognito's GetOpenIdTokenForDeveloperIdentity quota); lower it to ` +
          `${cap} or less, or raise the policy config maxRateLimit after AWS raises the quota.`,
      );
    }
  },
};
