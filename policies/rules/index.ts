/**
 * All rules of the cognito-devauth policy pack. Rule modules never construct a PolicyPack (that
 * starts a gRPC server, docs/testing.md, "Pulumi without the CLI"), so they are unit-testable.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { accountRouteIam } from "./accountRouteIam";
import { arnPartition } from "./arnPartition";
import { chinaPublicRoute } from "./chinaPublicRoute";
import { cognitoRoleAttachment } from "./cognitoRoleAttachment";
import { cognitoRoleBoundary } from "./cognitoRoleBoundary";
import { cognitoRolesNoIdentityAdmin } from "./cognitoRolesNoIdentityAdmin";
import { cognitoTrustPolicy } from "./cognitoTrust";
import { guestSessionPolicy } from "./guestSessionPolicy";
import { httpApiAccessLogs } from "./httpApiAccessLogs";
import { httpApiThrottling } from "./httpApiThrottling";
import { identityResourcesProtected } from "./identityResourcesProtected";
import { lambdaRuntimeSupported } from "./lambdaRuntime";
import { lambdaSecretsOfStack } from "./lambdaSecretsOfStack";
import { lambdaPermissionSourceArn } from "./lambdaPermissionSourceArn";
import { logRetention } from "./logRetention";
import { noManagedPolicyAttachments } from "./noManagedPolicyAttachments";
import { noSecretInLambdaEnv } from "./noSecretInLambdaEnv";
import { noWildcardIam } from "./noWildcardIam";
import { perIdentityGrants } from "./perIdentityGrants";

export type Rule = ResourceValidationPolicy | StackValidationPolicy;

// Plans print rules in this order; new rules are appended.
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
  cognitoRoleAttachment,
  noManagedPolicyAttachments,
  lambdaPermissionSourceArn,
  httpApiAccessLogs,
  cognitoRolesNoIdentityAdmin,
  perIdentityGrants,
  cognitoRoleBoundary,
  guestSessionPolicy,
  accountRouteIam,
  lambdaSecretsOfStack,
];

export {
  accountRouteIam,
  arnPartition,
  chinaPublicRoute,
  cognitoRoleAttachment,
  cognitoRoleBoundary,
  cognitoRolesNoIdentityAdmin,
  cognitoTrustPolicy,
  guestSessionPolicy,
  httpApiAccessLogs,
  httpApiThrottling,
  identityResourcesProtected,
  lambdaPermissionSourceArn,
  lambdaRuntimeSupported,
  lambdaSecretsOfStack,
  logRetention,
  noManagedPolicyAttachments,
  noSecretInLambdaEnv,
  noWildcardIam,
  perIdentityGrants,
};
