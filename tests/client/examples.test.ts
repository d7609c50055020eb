/** The web/Node example, run as an app team would run it: fetch, the kit, an S3 client. */
import { S3Client } from "@aws-sdk/client-s3";
import { createWebClient } from "../../client";
import { listOwnPrefix } from "../../examples/web/list-prefix";
import { appConfig, FakeBackend, fakeS3, serveFake } from "./fakes";

it.each(["us-east-1", "cn-north-1"])("signs in and lists its own prefix in %s", async (region) => {
  const served = await serveFake(
    (base) => new FakeBackend(appConfig({ region, flow: "basic", auth: "iam", base })),
  );
  const s3 = await fakeS3();
  try {
    const kit = createWebClient(served.backend.config);
    const { identityId } = await kit.signIn(served.backend.code());
    const client = new S3Client({
      region,
      endpoint: s3.url,
      forcePathStyle: true,
      credentials: kit.provider,
    });
    expect(await listOwnPrefix(kit, "app-data", "users", client)).toEqual([]);
    const creds = await kit.credentials();
    expect(s3.seen).toEqual([
      { keyId: creds.accessKeyId, token: creds.sessionToken, prefix: `users/${identityId}/` },
    ]);
  } finally {
    await s3.close();
    await served.close();
  }
});
