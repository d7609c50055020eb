import { MAX_WECHAT_APPS } from "../../core/quotas";
import { LOGIN_ROUTES } from "../../core/routes";
import { plan, planOf, renderPlan } from "../../scripts/plan";
import { synthesize, type PlanResource, type Synthesis } from "../../scripts/synth";
import { STACKS, committed, one, ofType, strings } from "../support/stacks";

const SECRET = "aws:secretsmanager/secret:Secret";
const VERSION = "aws:secretsmanager/secretVersion:SecretVersion";
const ROUTE = "aws:apigatewayv2/route:Route";
const PERMISSION = "aws:lambda/permission:Permission";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";

const MINI = "wx8f3a61c2d94be705";
const WEB = "wx3c9e0b7d25a4f618";
/** The apps of each committed stack, in the function's order (`wechat` first). */
/** The Open Platform mobile app of the China stack. */
const MOBILE = "wx5d2e8b1a7c9f4036";
const APPS: Record<string, { appId: string; kind: "miniprogram" | "oauth"; legacy: boolean }[]> = {
  dev: [
    { appId: MINI, kind: "miniprogram", legacy: true },
    { appId: WEB, kind: "oauth", legacy: false },
  ],
  "cn-north-1": [
    { appId: MINI, kind: "miniprogram", legacy: true },
    { appId: MOBILE, kind: "oauth", legacy: false },
  ],
};

interface Statement {
  Action: string | string[];
  Resource: string | string[];
}
const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
const statements = (synth: Synthesis, name: string) =>
  (JSON.parse(String(one(synth, ROLE_POLICY, name).inputs.policy)) as { Statement: Statement[] })
    .Statement;
const envOf = (synth: Synthesis) =>
  (
    one(synth, "aws:lambda/function:Function", "wechat-login-function").inputs.environment as {
      variables: Record<string, string>;
    }
  ).variables;
const appsEnv = (synth: Synthesis) =>
  JSON.parse(envOf(synth).WECHAT_APPS ?? "") as {
    appId: string;
    kind: string;
    secretArn: string;
  }[];
const secretName = (stack: string, app: { appId: string; legacy: boolean }) =>
  `cognito-devauth-${stack}/wechat-app-secret${app.legacy ? "" : `/${app.appId}`}`;

describe.each(STACKS)("WeChat apps of $stack", ({ stack, partition, region }) => {
  const apps = APPS[stack] ?? [];
  const has = (kind: string) => apps.some((a) => a.kind === kind);

  it("keeps one secret and version per app, the mini-program of `wechat` under its original names", async () => {
    const synth = await committed(stack);
    const secrets = ofType(synth, SECRET);
    expect(secrets.map((s) => [s.name, s.inputs.name])).toEqual(
      apps.map((a) => [
        a.legacy ? "wechat-login-wechat-secret" : `wechat-login-wechat-secret-${a.appId}`,
        secretName(stack, a),
      ]),
    );
    expect(ofType(synth, VERSION).map((v) => [v.name, v.inputs.secretId])).toEqual(
      secrets.map((s) => [s.name, s.state.arn]),
    );
  });

  it("deletes an app's secret at once when the app leaves the config, so adding it back works", async () => {
    // A secret in Secrets Manager's recovery window keeps its name: CreateSecret would fail.
    const synth = await committed(stack);
    expect(ofType(synth, SECRET).map((s) => s.inputs.recoveryWindowInDays)).toEqual(
      apps.map(() => 0),
    );
  });

  it("lets the login function read exactly the apps' secrets, and nothing else of Secrets Manager", async () => {
    const synth = await committed(stack);
    const reads = statements(synth, "wechat-login-function").filter((s) =>
      list(s.Action).some((a) => a.startsWith("secretsmanager:")),
    );
    expect(reads).toHaveLength(1);
    expect(list(reads[0]?.Action ?? [])).toEqual(["secretsmanager:GetSecretValue"]);
    expect(list(reads[0]?.Resource ?? [])).toEqual(
      apps.map(
        (a) =>
          `arn:${partition}:secretsmanager:${region}:${synth.accountId}:secret:${secretName(stack, a)}-??????`,
      ),
    );
  });

  it("passes the apps as WECHAT_APPS, each with its own secret's full ARN in the stack's partition", async () => {
    const synth = await committed(stack);
    const env = envOf(synth);
    expect(Object.keys(env).filter((k) => k.startsWith("WECHAT_"))).toEqual(["WECHAT_APPS"]);
    const byName = new Map(ofType(synth, SECRET).map((s) => [s.inputs.name, String(s.state.arn)]));
    expect(appsEnv(synth)).toEqual(
      apps.map((a) => ({
        appId: a.appId,
        kind: a.kind,
        secretArn: byName.get(secretName(stack, a)),
      })),
    );
    for (const { secretArn } of appsEnv(synth)) {
      expect(secretArn).toMatch(
        new RegExp(`^arn:${partition}:secretsmanager:${region}:${synth.accountId}:secret:`),
      );
    }
  });

  it("serves a login route exactly for each kind of app it has, with its own invoke permission", async () => {
    const synth = await committed(stack);
    const [api] = ofType(synth, "aws:apigatewayv2/api:Api");
    const loginRoutes = ofType(synth, ROUTE).filter((r) => r.name.startsWith("wechat-login"));
    const expected = (["miniprogram", "oauth"] as const).filter(has);
    expect(loginRoutes.map((r) => r.inputs.routeKey)).toEqual(
      expected.map((k) => `POST ${LOGIN_ROUTES[k].path}`),
    );
    const permissions = ofType(synth, PERMISSION).filter((p) => p.name.startsWith("wechat-login"));
    expect(permissions.map((p) => p.inputs.sourceArn)).toEqual(
      expected.map((k) => `${String(api?.state.executionArn)}/*/POST${LOGIN_ROUTES[k].path}`),
    );
    expect(synth.outputs.loginUrl !== undefined).toBe(has("miniprogram"));
    expect(synth.outputs.oauthLoginUrl !== undefined).toBe(has("oauth"));
    if (has("oauth")) {
      expect(synth.outputs.oauthLoginUrl).toMatch(/^https:\/\/.*\/login\/wechat\/oauth$/);
      expect(synth.outputs.oauthAppIds).toEqual(
        apps.filter((a) => a.kind === "oauth").map((a) => a.appId),
      );
    }
    expect(synth.outputs.loginAppIds).toEqual(
      apps.filter((a) => a.kind === "miniprogram").map((a) => a.appId),
    );
  });

  it("keeps every app's secret out of resources, outputs and the printed plan", async () => {
    const values = ["a1b2c3d4e5f60718293a4b5c6d7e8f90", "0f1e2d3c4b5a69788796a5b4c3d2e1f0"];
    const overrides = {
      wechat: JSON.stringify({ appId: MINI, appSecret: values[0] }),
      wechatApps: JSON.stringify([{ appId: WEB, kind: "oauth", appSecret: values[1] }]),
    };
    const result = await plan(stack, overrides);
    const synth = result.synthesis;
    expect(synth.placeholders).toEqual([]);
    const text = renderPlan(result);
    const leaks = [...strings([synth.resources, synth.outputs]), text].filter((s) =>
      values.some((v) => s.includes(v)),
    );
    expect(leaks).toEqual([]);
    expect(ofType(synth, VERSION).map((v) => v.inputs.secretString)).toEqual([
      "[secret]",
      "[secret]",
    ]);
  });

  it("serves only the OAuth route for a stack of OAuth apps, and no mini-program URL", async () => {
    const synth = await synthesize(stack, {
      wechat: undefined,
      wechatApps: JSON.stringify([{ appId: WEB, kind: "oauth" }]),
    });
    expect(ofType(synth, ROUTE).map((r) => r.inputs.routeKey)).toEqual([
      "DELETE /account",
      "POST /login/wechat/oauth",
    ]);
    expect(synth.outputs.loginUrl).toBeUndefined();
    expect(synth.outputs.oauthLoginUrl).toEqual(expect.stringMatching(/\/login\/wechat\/oauth$/));
    expect(appsEnv(synth).map((a) => [a.appId, a.kind])).toEqual([[WEB, "oauth"]]);
    expect(ofType(synth, SECRET).map((s) => s.inputs.name)).toEqual([
      `cognito-devauth-${stack}/wechat-app-secret/${WEB}`,
    ]);
  });

  it("with loginAuth iam signs both routes and lets guests invoke exactly those two", async () => {
    const synth = await synthesize(stack, {
      loginAuth: "iam",
      allowGuests: "true",
      wechatApps: JSON.stringify([{ appId: WEB, kind: "oauth" }]),
    });
    const routes = ofType(synth, ROUTE).filter((r) => r.name.startsWith("wechat-login"));
    expect(routes.map((r) => [r.inputs.routeKey, r.inputs.authorizationType])).toEqual([
      ["POST /login/wechat", "AWS_IAM"],
      ["POST /login/wechat/oauth", "AWS_IAM"],
    ]);
    const [stage] = ofType(synth, "aws:apigatewayv2/stage:Stage");
    const invoke = statements(synth, "wechat-login-guest-invoke");
    expect(invoke).toEqual([
      {
        Effect: "Allow",
        Action: "execute-api:Invoke",
        Resource: [
          `${String(stage?.state.executionArn)}/POST/login/wechat`,
          `${String(stage?.state.executionArn)}/POST/login/wechat/oauth`,
        ],
      },
    ]);
    // The guest role's boundary caps it at the same two routes.
    const boundary = JSON.parse(
      String(one(synth, "aws:iam/policy:Policy", "identity-guest-boundary").inputs.policy),
    ) as { Statement: (Statement & { Effect: string })[] };
    const invokes = boundary.Statement.filter(
      (st) => st.Effect === "Allow" && list(st.Action).includes("execute-api:Invoke"),
    );
    expect(invokes.flatMap((st) => list(st.Resource))).toEqual(list(invoke[0]?.Resource ?? []));
  });

  it(`fits ${MAX_WECHAT_APPS} apps in Lambda's 4 KB of environment variables`, async () => {
    const synth = await synthesize(stack, {
      wechatApps: JSON.stringify(
        Array.from({ length: MAX_WECHAT_APPS - 1 }, (_, i) => ({
          appId: `wx${(0xabc0 + i).toString(16).padStart(16, "0")}`,
          kind: i % 2 === 0 ? "oauth" : "miniprogram",
        })),
      ),
    });
    const env = envOf(synth);
    expect(appsEnv(synth)).toHaveLength(MAX_WECHAT_APPS);
    // Lambda counts the keys and values of all variables together (Lambda quotas).
    const bytes = Object.entries(env).reduce(
      (n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v),
      0,
    );
    expect(bytes).toBeLessThan(4096);
  });
});

describe("an OAuth route in AWS China", () => {
  const overrides = { wechatApps: JSON.stringify([{ appId: WEB, kind: "oauth" }]) };
  // One synthesis for both tests, each planning its own copy.
  let synthesis: Promise<Synthesis> | undefined;
  const planned = async (mutate?: (resources: PlanResource[]) => void) =>
    planOf(structuredClone(await (synthesis ??= synthesize("cn-north-1", overrides))), mutate);

  it("passes the pack when public on the stack's ICP-filed domain, like the mini-program route", async () => {
    const result = await planned();
    expect(result.violations).toEqual([]);
  });

  it("is refused with the mini-program route once the ICP filing is gone", async () => {
    const result = await planned((resources) => {
      for (const r of resources) {
        if (
          r.type !== "aws:apigatewayv2/api:Api" &&
          r.type !== "aws:apigatewayv2/domainName:DomainName"
        )
          continue;
        const { "icp-filing": _, ...tags } = r.state.tags as Record<string, string>;
        r.state.tags = tags;
      }
    });
    const china = result.violations.filter((v) => v.policy === "china-public-route");
    expect(china.map((v) => v.message).join("\n")).toMatch(/POST \/login\/wechat\/oauth/);
    expect(china.map((v) => v.message).join("\n")).toMatch(/POST \/login\/wechat\b(?!\/)/);
  });
});
