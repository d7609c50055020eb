/** Bundle entry: basic (classic) flow: the function also calls STS AssumeRoleWithWebIdentity. */
import { STSClient } from "@aws-sdk/client-sts";
import { createRuntime, sdkConfig, STS_TIMEOUTS } from "./runtime";
import { makeStsCredentials } from "./sts";

export const { handler } = createRuntime("basic", (config) =>
  makeStsCredentials(new STSClient(sdkConfig(config.region, STS_TIMEOUTS)), {
    roleArn: config.authenticatedRoleArn,
    durationSeconds: config.credentialsDurationSeconds,
  }),
);
