/**
 * Web/Node example: sign in with a login code, then list the user's own S3 prefix
 * (`<prefix>/<identityId>/`) with the AWS SDK v3, the kit being its credential provider.
 *
 * Usage: npx tsx examples/web/list-prefix.ts <app-config.json> <login code> <bucket> [prefix]
 */
import { readFileSync } from "node:fs";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { createWebClient, type DevAuthClient } from "../../client";

/** Lists the keys under `<prefix>/<identityId>/`: the only prefix the user's role may read. */
export async function listOwnPrefix(
  kit: DevAuthClient,
  bucket: string,
  prefix = "users",
  s3 = new S3Client({ region: kit.config.region, credentials: kit.provider }),
): Promise<string[]> {
  const identityId = kit.identityId ?? (await kit.credentials(), kit.identityId);
  const out = await s3.send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/${identityId}/` }),
  );
  return (out.Contents ?? []).map((o) => o.Key ?? "");
}

async function main(argv: string[]) {
  const [configFile, code, bucket, prefix] = argv;
  if (!configFile || !code || !bucket) {
    process.stderr.write(
      "usage: tsx examples/web/list-prefix.ts <app-config.json> <code> <bucket> [prefix]\n",
    );
    process.exit(2);
  }
  // fetch transport; localStorage in a browser, memory in Node.
  const kit = createWebClient(JSON.parse(readFileSync(configFile, "utf8")));
  const { identityId } = await kit.signIn(code);
  process.stdout.write(`signed in as ${identityId}\n`);
  for (const key of await listOwnPrefix(kit, bucket, prefix)) process.stdout.write(`${key}\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    const e = err as { code?: string; message?: string };
    process.stderr.write(`error: ${e.code ?? ""} ${e.message ?? String(err)}\n`);
    process.exit(1);
  });
}
