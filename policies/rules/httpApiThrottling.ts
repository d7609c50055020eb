/**
 * http-api-throttling: API Gateway v2 stages set their own default throttling.
 *
 * Why: without stage limits a login burst is only capped by the account-level API Gateway quota,
 * far above Cognito's GetOpenIdTokenForDeveloperIdentity quota (~50 rps); the stage throttle must
 * sit below it (field notes, "Quotas"; API Gateway Developer Guide, "Throttle requests to your
 * HTTP APIs").
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isRecord } from "./util";

export const STAGE_TYPE = "aws:apigatewayv2/stage:Stage";

export const httpApiThrottling: ResourceValidationPolicy = {
  name: "http-api-throttling",
  description:
    "API Gateway v2 stages must set defaultRouteSettings throttling rate and burst limits.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== STAGE_TYPE) return;
    const settings = args.props["defaultRouteSettings"];
    const missing = (["throttlingRateLimit", "throttlingBurstLimit"] as const).filter((key) => {
      const value = isRecord(settings) ? settings[key] : undefined;
      return typeof value !== "number" || !(value > 0);
    });
    if (missing.length > 0) {
      reportViolation(
        `API stage '${args.name}' has no defaultRouteSettings.${missing.join(" / ")} (> 0): ` +
          `only the account-wide quota limits it, far above Cognito's token quota. ` +
          `Set both below GetOpenIdTokenForDeveloperIdentity's quota.`,
      );
    }
  },
};
