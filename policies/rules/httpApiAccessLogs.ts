/**
 * http-api-access-logs: API Gateway v2 stages write access logs.
 *
 * Why: the login route hands out Cognito credentials; without access logs there is no record of
 * who called it, from where, and with what result (API Gateway Developer Guide, "Configure logging
 * for HTTP APIs"; AWS Security Hub control APIGateway.9, "Access logging should be configured for
 * API Gateway V2 Stages").
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES } from "./types";
import { isRecord, splitArn } from "./util";

export const httpApiAccessLogs: ResourceValidationPolicy = {
  name: "http-api-access-logs",
  description:
    "API Gateway v2 stages must set accessLogSettings with a destinationArn and a format.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.stage) return;
    const settings = args.props["accessLogSettings"];
    const destination = isRecord(settings) ? settings["destinationArn"] : undefined;
    const format = isRecord(settings) ? settings["format"] : undefined;
    const missing = [
      typeof destination === "string" && splitArn(destination) ? [] : ["destinationArn (an ARN)"],
      typeof format === "string" && format.trim() !== "" ? [] : ["format"],
    ].flat();
    if (missing.length === 0) return;
    reportViolation(
      `API stage '${args.name}' has no accessLogSettings.${missing.join(" / ")}, so calls to ` +
        `its routes are not logged; set accessLogSettings to a CloudWatch log group ARN and a ` +
        `log format.`,
    );
  },
};
