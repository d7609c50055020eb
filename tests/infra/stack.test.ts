import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { stringify as stringifyYaml } from "yaml";
import { ROOT, loadStackConfig, synthesize } from "../../scripts/synth";
import type { Synthesis } from "../../scripts/synth";
import { STACKS, committed, one, ofType, strings } from "../support/stacks";
import { expectedTrustPolicy } from "../support/trust";

const POOL = "aws:cognito/identityPool:IdentityPool";
const ROLE = "aws:iam/role:Role";
const TABLE = "aws:dynamodb/table:Table";

/** The trust policy a role of the synthesized stack was created with. */
function trustOf(synth: Synthesis, role: string): unknown {
  return JSON.parse(String(one(synth, ROLE, role).inputs.assumeRolePolicy));
}

describe.each(STACKS)("stack $stack", ({ stack, partition, region }) => {
  it("answers every provider call and resource type with a realistic mock", async () => {
    const synth = await committed(stack);
    expect(synth.unknownCalls).toEqual([]);
    expect(synth.unknownTypes).toEqual([]);
  });

  it("gives the API, its stage and any custom domain their management ARNs (no account)", async () => {
    const synth = await committed(stack);
    const types = [
      "aws:apigatewayv2/api:Api",
      "aws:apigatewayv2/stage:Stage",
      "aws:apigatewayv2/domainName:DomainName",
    ];
    const found = types.flatMap((type) => ofType(synth, type));
    expect(found.length).toBeGreaterThanOrEqual(2);
    for (const r of found) {
      expect(r.state.arn).toMatch(
        new RegExp(`^arn:${partition}:apigateway:${region}::/(apis|domainnames)/[\\w.$/-]+$`),
      );
    }
  });

  it("creates one identity pool with the developer provider and the configured guest access", async () => {
    const synth = await committed(stack);
    const [pool, ...more] = ofType(synth, POOL);
    expect(more).toHaveLength(0);
    expect(pool?.inputs).toMatchObject({
      developerProviderName: "login.wechat.myapp",
      allowUnauthenticatedIdentities: stack === "cn-north-1",
      // Enhanced flow in both committed stacks: the classic flow stays off.
      allowClassicFlow: false,
    });
    expect(pool?.state.arn).toBe(
      `arn:${partition}:cognito-identity:${region}:${synth.accountId}:identitypool/${String(synth.outputs.identityPoolId)}`,
    );
  });

  it("trusts only this pool's authenticated identities in the authenticated role", async () => {
    const synth = await committed(stack);
    expect(trustOf(synth, "identity-authenticated")).toEqual(
      expectedTrustPolicy(
        "cognito-identity.amazonaws.com",
        String(synth.outputs.identityPoolId),
        "authenticated",
      ),
    );
  });

  it("protects the pool and the table from replacement and deletion", async () => {
    const synth = await committed(stack);
    for (const type of [POOL, TABLE]) {
      const [resource] = ofType(synth, type);
      expect({ type, protect: resource?.protect, retain: resource?.retainOnDelete }).toEqual({
        type,
        protect: true,
        retain: true,
      });
    }
  });

  it("keeps the mapping table on demand, recoverable, deletion-protected, encrypted and indexed by identity", async () => {
    const synth = await committed(stack);
    const [table] = ofType(synth, TABLE);
    expect(table?.inputs).toMatchObject({
      billingMode: "PAY_PER_REQUEST",
      hashKey: "pk",
      pointInTimeRecovery: { enabled: true },
      deletionProtectionEnabled: true,
      serverSideEncryption: { enabled: true },
      globalSecondaryIndexes: [
        {
          name: "byIdentityId",
          keySchemas: [{ attributeName: "identityId", keyType: "HASH" }],
          projectionType: "KEYS_ONLY",
        },
      ],
    });
  });

  it("spells every ARN with the stack's partition", async () => {
    const synth = await committed(stack);
    const arns = [
      ...strings(synth.resources.map((r) => r.state)),
      ...strings(synth.outputs),
    ].filter((s) => s.startsWith("arn:"));
    expect(arns.length).toBeGreaterThan(3);
    for (const value of arns) expect(value).toMatch(new RegExp(`^arn:${partition}:`));
  });

  it("outputs what an app config needs", async () => {
    const synth = await committed(stack);
    const guestRole = ofType(synth, ROLE).find((r) => r.name === "identity-guest");
    expect(synth.outputs).toEqual({
      identityPoolId: expect.stringMatching(new RegExp(`^${region}:[0-9a-f-]{36}$`)),
      region,
      partition,
      loginsKey:
        partition === "aws-cn"
          ? "cognito-identity.cn-north-1.amazonaws.com.cn"
          : "cognito-identity.amazonaws.com",
      developerProviderName: "login.wechat.myapp",
      authenticatedRoleArn: one(synth, ROLE, "identity-authenticated").state.arn,
      ...(guestRole ? { guestRoleArn: guestRole.state.arn } : {}),
      tableName: ofType(synth, TABLE)[0]?.state.name,
      // The stack file's grants, summarised for the plan and the app config.
      grants: expect.objectContaining({
        storage: expect.arrayContaining([
          expect.objectContaining({ bucket: `myapp-user-files-${stack}`, perIdentity: true }),
        ]),
      }),
      // China's login is on the app's own ICP-filed domain; dev uses the API's endpoint.
      ...(partition === "aws-cn"
        ? {
            loginUrl: "https://login.myapp.cn/login/wechat",
            loginDomainName: "login.myapp.cn",
            loginDomainTarget: expect.stringMatching(
              /^d-[a-z0-9]{10}\.execute-api\.cn-north-1\.amazonaws\.com\.cn$/,
            ),
            loginDefaultEndpointDisabled: true,
            // The mobile app's OAuth route, on the same domain.
            oauthLoginUrl: "https://login.myapp.cn/login/wechat/oauth",
            oauthAppIds: ["wx5d2e8b1a7c9f4036"],
          }
        : {
            loginUrl: expect.stringMatching(
              /^https:\/\/[a-z0-9]{10}\.execute-api\.us-east-1\.amazonaws\.com\/login\/wechat$/,
            ),
            // dev also serves its Open Platform website app on the OAuth route.
            oauthLoginUrl: expect.stringMatching(
              /^https:\/\/[a-z0-9]{10}\.execute-api\.us-east-1\.amazonaws\.com\/login\/wechat\/oauth$/,
            ),
            oauthAppIds: ["wx3c9e0b7d25a4f618"],
          }),
      // The mini-program route's apps, default first (AppIDs are public).
      loginAppIds: ["wx8f3a61c2d94be705"],
      accountUrl:
        partition === "aws-cn"
          ? "https://login.myapp.cn/account"
          : expect.stringMatching(
              /^https:\/\/[a-z0-9]{10}\.execute-api\.us-east-1\.amazonaws\.com\/account$/,
            ),
      loginFlow: "enhanced",
      // Both committed stacks serve a public route (China's on its ICP-filed domain).
      loginAuth: "none",
    });
  });

  it("plans an unset AppSecret with a marked placeholder and names the command to set it", async () => {
    const synth = await committed(stack);
    expect(synth.placeholders).toEqual([
      {
        key: "cognito-devauth:wechat.appSecret",
        reason: "not set",
        command: `pulumi config set --path --secret wechat.appSecret <the WeChat mini-program AppSecret> --stack ${stack}`,
      },
      // The OAuth app (dev: website, China: mobile app): each item of wechatApps has its own.
      {
        key: "cognito-devauth:wechatApps[0].appSecret",
        reason: "not set",
        command: `pulumi config set --path --secret 'wechatApps[0].appSecret' <the WeChat app's AppSecret> --stack ${stack}`,
      },
    ]);
  });
});

describe("guest access", () => {
  it("creates no guest role and no guest output when guests are off (dev)", async () => {
    const synth = await committed("dev");
    expect(ofType(synth, ROLE).map((r) => r.name)).not.toContain("identity-guest");
    expect(synth.outputs).not.toHaveProperty("guestRoleArn");
    const attachment = ofType(
      synth,
      "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment",
    )[0];
    expect(Object.keys(attachment?.inputs.roles as object)).toEqual(["authenticated"]);
  });

  it("gives guests their own role that trusts only unauthenticated identities (cn-north-1)", async () => {
    const synth = await committed("cn-north-1");
    const guest = one(synth, ROLE, "identity-guest");
    expect(trustOf(synth, "identity-guest")).toEqual(
      expectedTrustPolicy(
        "cognito-identity.amazonaws.com",
        String(synth.outputs.identityPoolId),
        "unauthenticated",
      ),
    );
    expect(synth.outputs.guestRoleArn).toBe(guest.state.arn);
    const attachment = ofType(
      synth,
      "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment",
    )[0];
    expect(attachment?.inputs.roles).toEqual({
      authenticated: one(synth, ROLE, "identity-authenticated").state.arn,
      unauthenticated: guest.state.arn,
    });
  });
});

describe("per-stack settings", () => {
  it("turns the classic flow on and lengthens the role session for the basic flow", async () => {
    const synth = await synthesize("dev", {
      loginFlow: "basic",
      credentialsDurationSeconds: "7200",
    });
    expect(ofType(synth, POOL)[0]?.inputs.allowClassicFlow).toBe(true);
    expect(one(synth, ROLE, "identity-authenticated").inputs.maxSessionDuration).toBe(7200);
  });

  it("uses an overridden trust principal and key prefix in aws-cn", async () => {
    const synth = await synthesize("cn-north-1", {
      cognitoTrustPrincipal: "cognito-identity.cn-north-1.amazonaws.com.cn",
      cognitoTrustConditionKeyPrefix: "cognito-identity.amazonaws.com.cn",
    });
    const policy = JSON.parse(
      String(one(synth, ROLE, "identity-authenticated").inputs.assumeRolePolicy),
    );
    expect(policy.Statement[0].Principal).toEqual({
      Federated: "cognito-identity.cn-north-1.amazonaws.com.cn",
    });
    expect(Object.keys(policy.Statement[0].Condition.StringEquals)).toEqual([
      "cognito-identity.amazonaws.com.cn:aud",
    ]);
  });
});

describe("config errors fail the program before any resource", () => {
  it.each([
    [
      "cn-north-1",
      { "aws:region": "cn-northwest-1" },
      /Cognito identity pools are not available in cn-northwest-1/,
    ],
    [
      "cn-north-1",
      {
        cognitoIdentityProviders: JSON.stringify([
          { providerName: "cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_x", clientId: "c" },
        ]),
      },
      /Cognito user pools do not exist in aws-cn/,
    ],
    [
      "cn-north-1",
      { supportedLoginProviders: JSON.stringify({ "graph.facebook.com": "123" }) },
      /graph\.facebook\.com is not supported by Cognito in aws-cn/,
    ],
    ["dev", { tokenDurationSeconds: "90000" }, /tokenDurationSeconds: .*1 to 86400/],
    [
      "dev",
      { developerProviderName: "login wechat" },
      /developerProviderName: 'login wechat' is not valid/,
    ],
  ])("%s with %j", async (stack, overrides, message) => {
    await expect(synthesize(stack, overrides)).rejects.toThrow(message);
  });
});

describe("secrets in stack files", () => {
  it("marks the AppSecret secret only when the stack file holds it encrypted", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "stack-"));
    copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    const stackFile = (appSecret: unknown) =>
      writeFileSync(
        path.join(dir, "Pulumi.s.yaml"),
        stringifyYaml({
          config: {
            "aws:region": "us-east-1",
            "cognito-devauth:wechat": { appId: "wx8f3a61c2d94be705", appSecret },
          },
        }),
      );
    stackFile("c0ffee00c0ffee00c0ffee00c0ffee00");
    expect(loadStackConfig("s", {}, dir).secretKeys).toEqual([]);
    stackFile({ secure: "v1:Zm9vYmFy" });
    const encrypted = loadStackConfig("s", {}, dir);
    expect(encrypted.secretKeys).toEqual(["cognito-devauth:wechat"]);
    expect(encrypted.placeholders).toEqual([
      expect.objectContaining({ key: "cognito-devauth:wechat.appSecret", reason: "encrypted" }),
    ]);
  });

  it("marks wechatApps secret when any item holds its AppSecret encrypted, and plans the rest", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "stack-"));
    copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    const plain = "c0ffee00c0ffee00c0ffee00c0ffee00";
    writeFileSync(
      path.join(dir, "Pulumi.s.yaml"),
      stringifyYaml({
        config: {
          "aws:region": "us-east-1",
          "cognito-devauth:wechatApps": [
            { appId: "wx3c9e0b7d25a4f618", kind: "oauth", appSecret: { secure: "v1:Zm9vYmFy" } },
            { appId: "wx8f3a61c2d94be705", kind: "miniprogram", appSecret: plain },
          ],
        },
      }),
    );
    const files = loadStackConfig("s", {}, dir);
    expect(files.secretKeys).toEqual(["cognito-devauth:wechatApps"]);
    expect(files.placeholders).toEqual([
      {
        key: "cognito-devauth:wechatApps[0].appSecret",
        reason: "encrypted",
        command:
          "pulumi config set --path --secret 'wechatApps[0].appSecret' <the WeChat app's AppSecret> --stack s",
      },
    ]);
    // The plain one is kept (the program refuses it) and hidden wherever it could surface.
    expect(files.secretValues).toContain(plain);
    expect(JSON.parse(files.config["cognito-devauth:wechatApps"] ?? "")[1].appSecret).toBe(plain);
  });

  it("plans the committed stacks with the AppSecret marked secret (placeholder)", () => {
    for (const stack of ["dev", "cn-north-1"]) {
      const files = loadStackConfig(stack, {}, ROOT);
      expect(files.secretKeys).toEqual(["cognito-devauth:wechat", "cognito-devauth:wechatApps"]);
      expect(files.placeholders).toHaveLength(2);
    }
  });
});
