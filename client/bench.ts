/**
 * The kit's budgets, measured and printed (`npm run bench:client`); exits 1 if one is missed.
 * - the mini-program build <= 15 KB minified+gzip;
 * - a cached credential served in < 0.1 ms (median of many calls);
 * - cold signIn: requests beyond the login API and Cognito <= 1 (counted per login.auth).
 */
import { appConfig, FakeBackend } from "../tests/client/fakes";
import { buildMiniprogram } from "./build";
import { DevAuthClient } from "./session";

async function coldSignInRequests(auth: "none" | "iam"): Promise<{ all: string[]; extra: number }> {
  const backend = new FakeBackend(appConfig({ region: "cn-north-1", flow: "enhanced", auth }));
  const kit = new DevAuthClient(backend.config, { transport: backend.transport });
  await kit.signIn(backend.code());
  const cognito = ["GetId", "GetOpenIdToken", "GetCredentialsForIdentity"];
  const all = backend.ops();
  return { all, extra: all.filter((op) => op !== "Login" && !cognito.includes(op)).length };
}

async function cachedMs(): Promise<number> {
  const backend = new FakeBackend(
    appConfig({ region: "us-east-1", flow: "enhanced", auth: "none" }),
  );
  const kit = new DevAuthClient(backend.config, { transport: backend.transport });
  await kit.signIn(backend.code());
  for (let i = 0; i < 2000; i++) await kit.credentials();
  const samples: number[] = [];
  for (let r = 0; r < 21; r++) {
    const n = 1000;
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await kit.credentials();
    samples.push(Number(process.hrtime.bigint() - t) / 1e6 / n);
  }
  return samples.sort((a, b) => a - b)[10] as number;
}

async function main() {
  const build = await buildMiniprogram();
  const cached = await cachedMs();
  const none = await coldSignInRequests("none");
  const iam = await coldSignInRequests("iam");
  const rows: [string, string, boolean][] = [
    [
      "mini-program build (min+gzip)",
      `${(build.gzipBytes / 1024).toFixed(2)} KB (${build.bytes} B raw) <= 15 KB`,
      build.gzipBytes <= 15 * 1024,
    ],
    ["cached credential", `${(cached * 1000).toFixed(2)} us < 100 us`, cached < 0.1],
    [
      "cold signIn, auth none",
      `${none.all.join(" + ")}: ${none.extra} beyond login API and Cognito <= 1`,
      none.extra <= 1,
    ],
    [
      "cold signIn, auth iam",
      `${iam.all.join(" + ")}: ${iam.extra} beyond login API and Cognito <= 1`,
      iam.extra <= 1,
    ],
  ];
  for (const [what, value, ok] of rows)
    process.stdout.write(`${ok ? "ok  " : "FAIL"} ${what}: ${value}\n`);
  if (rows.some(([, , ok]) => !ok)) process.exit(1);
}

void main();
