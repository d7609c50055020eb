/** Bundle entry: basic (classic) flow: the function also calls STS AssumeRoleWithWebIdentity. */
import { awsClient, createRuntime, STS_TIMEOUTS } from "./runtime";
import { makeStsCredentials } from "./sts";

export const { handler } = createRuntime("basic", (config) =>
  makeStsCredentials(awsClient("sts", config.region, STS_TIMEOUTS), {
    roleArn: config.authenticatedRoleArn,
    durationSeconds: config.credentialsDurationSeconds,
  }),
);
