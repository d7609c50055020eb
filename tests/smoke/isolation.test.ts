/**
 * The identity-isolation smoke check against local stand-ins: Cognito mocked as in smoke.test.ts,
 * and an in-memory S3 that enforces the per-identity grant the stack builds (own folder only) or,
 * to prove the check can fail, a bucket-wide one.
 */
import {
  CognitoIdentityClient,
  DeleteIdentitiesCommand,
  GetCredentialsForIdentityCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
} from "@aws-sdk/client-cognito-identity";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { runSmoke } from "../../scripts/smokeChecks";
import type { S3For } from "../../scripts/smokeIsolation";

const RANDOM = "7d2b4c55-9a3e-4b8f-8d1e-0c774f0c1a9e";
const cognito = mockClient(CognitoIdentityClient);

const TARGETS = [
  {
    partition: "aws",
    region: "us-east-1",
    dns: "amazonaws.com",
    key: "cognito-identity.amazonaws.com",
  },
  {
    partition: "aws-cn",
    region: "cn-north-1",
    dns: "amazonaws.com.cn",
    key: "cognito-identity.cn-north-1.amazonaws.com.cn",
  },
] as const;

const idOf = (region: string, n: number) => `${region}:0000000${n}-1111-4222-8333-444455556666`;

function outputs(t: (typeof TARGETS)[number]) {
  return {
    identityPoolId: `${t.region}:4f0c1a9e-7d2b-4c55-9a3e-2b8f6d1e0c77`,
    region: t.region,
    partition: t.partition,
    loginsKey: t.key,
    developerProviderName: "login.wechat.myapp",
    authenticatedRoleArn: ["arn", t.partition, "iam", "", "528715093461", "role/auth"].join(":"),
    tableName: "users",
    loginUrl: `https://a1b2c3d4e5.execute-api.${t.region}.${t.dns}/login/wechat`,
    loginAppIds: ["wx8f3a61c2d94be705"],
    loginFlow: "enhanced",
    loginAuth: "none",
    grants: {
      storage: [
        {
          role: "authenticated",
          bucket: "app-files",
          prefix: "users",
          access: "read-write",
          perIdentity: true,
        },
      ],
      tables: [],
    },
  };
}

/** Cognito answering one IdentityId per developer user id, with credentials naming it. */
function cognitoLikeAws(region: string) {
  const ids = new Map<string, string>();
  cognito
    .on(GetOpenIdTokenForDeveloperIdentityCommand)
    .callsFake((input: { Logins: Record<string, string> }) => {
      const user = Object.values(input.Logins)[0] ?? "";
      if (!ids.has(user)) ids.set(user, idOf(region, ids.size + 1));
      return { IdentityId: ids.get(user), Token: `eyJtoken.${user}.signature` };
    });
  cognito.on(GetCredentialsForIdentityCommand).callsFake((input: { IdentityId: string }) => ({
    IdentityId: input.IdentityId,
    Credentials: {
      AccessKeyId: `ASIAKEY${input.IdentityId}`,
      SecretKey: `secret-${input.IdentityId}-0123456789`,
      SessionToken: `session-${input.IdentityId}-0123456789`,
    },
  }));
  cognito.on(DeleteIdentitiesCommand).resolves({ UnprocessedIdentityIds: [] });
}

const denied = () =>
  new S3ServiceException({
    name: "AccessDenied",
    $fault: "client",
    message: "Access Denied",
    $metadata: { httpStatusCode: 403 },
  });

/** In-memory S3: `allowed(identityId, key)` is the grant under test. */
function s3StandIn(allowed: (identityId: string, key: string) => boolean) {
  const objects = new Map<string, string>();
  const s3For: S3For = (credentials, region) => {
    const client = new S3Client({ region, credentials });
    const identityId = credentials.accessKeyId.slice("ASIAKEY".length);
    const guard = (key: string) => {
      if (!allowed(identityId, key)) throw denied();
    };
    const stub = mockClient(client);
    stub.on(PutObjectCommand).callsFake((i: { Bucket: string; Key: string; Body: string }) => {
      guard(i.Key);
      objects.set(`${i.Bucket}/${i.Key}`, i.Body);
      return {};
    });
    stub.on(GetObjectCommand).callsFake((i: { Bucket: string; Key: string }) => {
      guard(i.Key);
      const body = objects.get(`${i.Bucket}/${i.Key}`);
      if (body === undefined) throw denied();
      // The part of the SDK's stream body the check reads.
      return { Body: { transformToString: async () => body } as never };
    });
    stub.on(DeleteObjectCommand).callsFake((i: { Bucket: string; Key: string }) => {
      guard(i.Key);
      objects.delete(`${i.Bucket}/${i.Key}`);
      return {};
    });
    return client;
  };
  return { objects, s3For };
}

const run = (t: (typeof TARGETS)[number], s3For: S3For) => {
  cognitoLikeAws(t.region);
  return runSmoke(
    {
      cognito: new CognitoIdentityClient({ region: t.region }),
      sts: new STSClient({ region: t.region }),
      random: () => RANDOM,
      login: async () => ({
        status: 401,
        headers: {},
        body: JSON.stringify({ error: { code: "INVALID_CODE", message: "m", requestId: "r" } }),
      }),
      s3For,
    },
    outputs(t),
    { stack: t.partition === "aws" ? "dev" : "cn-north-1" },
  );
};

beforeEach(() => cognito.reset());

describe.each(TARGETS)("identity-isolation in $partition", (t) => {
  it("proves two identities each use their own folder and not the other's, then cleans up", async () => {
    const store = s3StandIn((id, key) => key.startsWith(`users/${id}/`));
    const report = await run(t, store.s3For);
    const check = report.checks.find((c) => c.name === "identity-isolation");
    expect(check).toMatchObject({ status: "pass" });
    expect(check?.detail).toContain("s3://app-files/users/<IdentityId>/");
    expect(store.objects.size).toBe(0);
    // The run's own identity and the two throwaway ones, all deleted by cleanup.
    expect(report.createdIdentityIds).toEqual([
      idOf(t.region, 1),
      idOf(t.region, 2),
      idOf(t.region, 3),
    ]);
    expect(
      cognito.commandCalls(DeleteIdentitiesCommand)[0]?.args[0].input.IdentityIdsToDelete,
    ).toEqual(report.createdIdentityIds);
    expect(JSON.stringify(report)).not.toMatch(/ASIAKEY|secret-|session-|eyJtoken/);
  });

  it("fails when one identity can read or write another's objects (a bucket-wide grant)", async () => {
    const store = s3StandIn((_id, key) => key.startsWith("users/"));
    const report = await run(t, store.s3For);
    const check = report.checks.find((c) => c.name === "identity-isolation");
    expect(check?.status).toBe("fail");
    expect(check?.detail).toContain("A could read the other identity's object");
    expect(check?.detail).toContain("B could write the other identity's object");
    expect(store.objects.size).toBe(0);
    expect(report.ok).toBe(false);
  });

  it("fails when an identity cannot use its own folder, deleting what was written", async () => {
    const store = s3StandIn((id, key) => key.startsWith(`users/${id}/`) && id.includes("00000002"));
    const report = await run(t, store.s3For);
    const check = report.checks.find((c) => c.name === "identity-isolation");
    expect(check?.status).toBe("fail");
    expect(check?.detail).toContain("could not use its own folder");
    expect(store.objects.size).toBe(0);
  });
});
