/**
 * What AWS's managed session policy AmazonCognitoUnAuthedIdentitiesSessionPolicy leaves to
 * enhanced-flow guest credentials: guests get the intersection of the guest role and these
 * actions (docs/cognito.md, "Guests and the session policy"). `geo` and `kms` are allowed only in
 * part there, so actions of those services are treated as possibly removed.
 */
export const GUEST_SESSION_POLICY = {
  /** Single actions the session policy allows. */
  actions: ["rum:PutRumEvents", "sagemaker:InvokeEndpoint"],
  /** Services whose every action the session policy allows. */
  services: [
    "polly",
    "comprehend",
    "translate",
    "transcribe",
    "rekognition",
    "mobiletargeting",
    "firehose",
    "personalize",
  ],
  /** Services the session policy allows only some actions of. */
  partialServices: ["geo", "kms"],
} as const;

/**
 * Whether an enhanced-flow guest keeps `action` under the session policy: `kept`, `removed`, or
 * `partial` (a service the policy allows only in part). Action names are case-insensitive.
 */
export function guestSessionKeeps(action: string): "kept" | "removed" | "partial" {
  const lower = action.toLowerCase();
  const service = lower.split(":")[0] ?? "";
  if (GUEST_SESSION_POLICY.actions.some((a) => a.toLowerCase() === lower)) return "kept";
  if ((GUEST_SESSION_POLICY.services as readonly string[]).includes(service)) return "kept";
  if ((GUEST_SESSION_POLICY.partialServices as readonly string[]).includes(service)) {
    return "partial";
  }
  return "removed";
}

/**
 * The policy itself, version v3 (edited 2024-11-01), as the AWS Managed Policy Reference prints it
 * (AmazonCognitoUnAuthedIdentitiesSessionPolicy, "JSON policy document"; docs/cognito.md, "Guests
 * and the session policy"): Cognito passes it as the session policy of enhanced-flow guest
 * credentials. The summary above must agree with it (tests/infra/identityRoles.test.ts).
 */
export const GUEST_SESSION_POLICY_DOCUMENT = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "CognitoUnAuthedIdentitiesSessionPolicy",
      Effect: "Allow",
      Action: [
        "rum:PutRumEvents",
        "sagemaker:InvokeEndpoint",
        "polly:*",
        "comprehend:*",
        "translate:*",
        "transcribe:*",
        "rekognition:*",
        "mobiletargeting:*",
        "firehose:*",
        "personalize:*",
        "geo:GetMap*",
        "geo:SearchPlaceIndex*",
        "geo:GetPlace",
        "geo:CalculateRoute*",
        "geo:*Geofence",
        "geo:*Geofences",
        "geo:*DevicePosition*",
        "kms:Encrypt",
        "kms:Decrypt",
        "kms:ReEncryptTo",
        "kms:ReEncryptFrom",
        "kms:GenerateDataKey",
        "kms:GenerateDataKeyPair",
        "kms:GenerateDataKeyPairWithoutPlaintext",
        "kms:GenerateDataKeyWithoutPlaintext",
      ],
      Resource: "*",
    },
  ],
} as const;
