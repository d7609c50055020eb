/** Bundle entry of the account-deletion function: env (fail-fast), logger, clients, handler. */
import { DEVELOPER_PROVIDER_NAME, IDENTITY_POOL_ID } from "../../core/ids";
import { JsonLogger } from "../login/log";
import { awsClient, COGNITO_TIMEOUTS, DYNAMODB_TIMEOUTS } from "../login/runtime";
import { makeAccountIdentity, makeAccountTable } from "./adapters";
import { makeAccountHandler } from "./handler";

function env(name: string, pattern?: RegExp): string {
  const value = process.env[name]?.trim() ?? "";
  if (value === "" || (pattern && !pattern.test(value))) {
    throw new Error(`Environment variable ${name} is missing or malformed: set it in the stack.`);
  }
  return value;
}

const identityPoolId = env("IDENTITY_POOL_ID", IDENTITY_POOL_ID);
const region = env("AWS_REGION");
const logger = new JsonLogger({
  serviceName: process.env["POWERTOOLS_SERVICE_NAME"]?.trim() || "account-deletion",
});

const inner = makeAccountHandler({
  identityPoolId,
  identity: makeAccountIdentity(awsClient("cognito-identity", region, COGNITO_TIMEOUTS), {
    identityPoolId,
    developerProviderName: env("DEVELOPER_PROVIDER_NAME", DEVELOPER_PROVIDER_NAME),
  }),
  table: makeAccountTable(awsClient("dynamodb", region, DYNAMODB_TIMEOUTS), env("TABLE_NAME")),
  logger,
});

export const handler = async (event: unknown, context?: { awsRequestId?: string }) => {
  logger.resetKeys();
  if (context?.awsRequestId)
    logger.appendKeys({ awsRequestId: context.awsRequestId.slice(0, 100) });
  try {
    return await inner(event, context);
  } finally {
    logger.resetKeys();
  }
};
