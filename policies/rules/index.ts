/**
 * All rules of the cognito-devauth policy pack. Rule modules never construct a PolicyPack (that
 * starts a gRPC server, field notes "Pulumi without the CLI"), so they are unit-testable.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { arnPartition } from "./arnPartition";
import { chinaPublicRoute } from "./chinaPublicRoute";
import { cognitoTrustPolicy } from "./cognitoTrust";
import { httpApiThrottling } from "./httpApiThrottling";
import { identityResourcesProtected } from "./identityResourcesProtected";
import { lambdaRuntimeSupported } from "./lambdaRuntime";
import { logRetention } from "./logRetention";
import { noSecretInLambdaEnv } from "./noSecretInLambdaEnv";
import { noWildcardIam } from "./noWildcardIam";

export type Rule = ResourceValidationPolicy | StackValidationPolicy;

export const allRules: readonly Rule[] = [
  cognitoTrustPolicy,
  noWildcardIam,
  arnPartition,
  identityResourcesProtected,
  noSecretInLambdaEnv,
  logRetention,
  lambdaRuntimeSupported,
  httpApiThrottling,
  chinaPublicRoute,
];

export {
  arnPartition,
  chinaPublicRoute,
  cognitoTrustPolicy,
  httpApiThrottling,
  identityResourcesProtected,
  lambdaRuntimeSupported,
  logRetention,
  noSecretInLambdaEnv,
  noWildcardIam,
};
export { partitionOfRegion, type Partition } from "./partition";
