/**
 * What app identities' credentials may do, evaluated (tests/support/iam.ts) as IAM decides it:
 * the Cognito role's identity policies AND its permissions boundary, AND for enhanced-flow guests
 * the session policy Cognito passes, AmazonCognitoUnAuthedIdentitiesSessionPolicy (docs/cognito.md,
 * "Guests and the session policy"; its statements: core/guestSessionPolicy.ts). The request
 * context is the one Cognito gives the credentials: `<prefix>:sub` is the IdentityId (the
 * stack's condition-key prefix, core/partition.ts), `<prefix>:aud` the pool, `<prefix>:amr`
 * authenticated or unauthenticated, and with `principalTags` the login's tags as
 * `aws:PrincipalTag/appId` and `aws:PrincipalTag/userKeyKind` (signed-in identities only: guests
 * get no tags). Guests exist in the enhanced flow (GetCredentialsForIdentity) and, where the pool
 * allows the classic flow, in the basic flow (GetOpenIdToken + AssumeRoleWithWebIdentity, no
 * session policy: docs/guest-signing.md).
 *
 * Each stack as committed, and each with the settings the committed files do not use: guests
 * signing an IAM-authorized login route, principal tags, per-identity S3 and DynamoDB grants on
 * both roles, an API route, a guest grant the session policy keeps; and "hostile" grants, where
 * the stack file grants what app identities must never reach (the plan flags them; the boundary's
 * explicit Deny must still win at run time).
 */
import {
  GUEST_SESSION_POLICY,
  GUEST_SESSION_POLICY_DOCUMENT,
  guestSessionKeeps,
} from "../../core/guestSessionPolicy";
import {
  arn,
  arns,
  COGNITO_TRUST_FAMILIES,
  partitionFacts,
  s3Arn,
  type DeployTarget,
} from "../../core/partition";
import { ACCOUNT_ROUTE, routeKey } from "../../core/routes";
import { parseConfig, type StackConfig } from "../../infra/config";
import type { Grant } from "../../infra/iam/grants";
import { listOwnPrefix } from "../../examples/web/list-prefix";
import { loadStackConfig } from "../../scripts/stackConfig";
import { synthesize, type Synthesis } from "../../scripts/synth";
import {
  evaluate,
  matchesAction,
  statementsOf,
  type AuthorizationRequest,
  type Decision,
  type Document,
} from "../support/iam";
import { boundaryOf, documentsOf } from "../support/roleDocuments";
import { committed, one, ofType, STACKS } from "../support/stacks";

type Context = AuthorizationRequest["context"];

/** IAM's size limit of a managed policy document, in non-whitespace characters. */
const MANAGED_POLICY_CHARACTERS = 6144;
type Overrides = Record<string, string>;

const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** What one identity's credentials are: policies, boundary, session policies, request context. */
interface Credentials {
  readonly label: string;
  readonly kind: "authenticated" | "guest";
  readonly identity: Document[];
  readonly boundary: Document | undefined;
  readonly session: Document[] | undefined;
  /** The request context of the identity `id` (logged in through app `appId`). */
  context(id: string, appId?: string): Context;
}

/** One stack synthesized with some settings, and what the tests need of it. */
interface Deployed {
  readonly synth: Synthesis;
  readonly config: StackConfig;
  readonly t: DeployTarget;
  readonly poolId: string;
  readonly credentials: Credentials[];
  /** `execute-api` ARNs of the API's routes by route key, e.g. `POST /login/wechat`. */
  readonly routes: Map<string, string>;
  readonly api: { id: string; stage: string };
}

function deploy(synth: Synthesis, overrides: Overrides): Deployed {
  const config = parseConfig(loadStackConfig(synth.stack, overrides).config);
  const t = {
    ...partitionFacts(synth.partition, synth.region, config.trust),
    accountId: synth.accountId,
  };
  const poolId = str(synth.outputs["identityPoolId"]);
  const pool = one(synth, "aws:cognito/identityPool:IdentityPool", "identity-pool");
  const key = (name: string) => `${t.trustConditionKeyPrefix}:${name}`;
  const credentialsOf = (
    kind: Credentials["kind"],
    flow: "enhanced" | "basic",
  ): Credentials | undefined => {
    const role = ofType(synth, "aws:iam/role:Role").find((r) => r.name === `identity-${kind}`);
    if (!role) return undefined;
    // Cognito's keys in the request context use the prefix the trust policy checks.
    expect(str(role.state["assumeRolePolicy"])).toContain(`"${key("aud")}"`);
    const guestSession = kind === "guest" && flow === "enhanced";
    return {
      label: `${kind} (${flow} flow)`,
      kind,
      identity: documentsOf(synth, role),
      boundary: boundaryOf(synth, role),
      session: guestSession ? [GUEST_SESSION_POLICY_DOCUMENT] : undefined,
      context: (id, appId) => ({
        [key("sub")]: id,
        [key("aud")]: poolId,
        [key("amr")]: [kind === "guest" ? "unauthenticated" : "authenticated"],
        "aws:RequestedRegion": synth.region,
        // The login function tags signed-in identities only (functions/login/login.ts).
        ...(config.principalTags && kind === "authenticated" && appId !== undefined
          ? { "aws:PrincipalTag/appId": appId, "aws:PrincipalTag/userKeyKind": "unionid" }
          : {}),
      }),
    };
  };
  const credentials = [
    credentialsOf("authenticated", "enhanced"),
    credentialsOf("guest", "enhanced"),
    // Basic-flow credentials exist only where the pool allows the classic flow.
    pool.state["allowClassicFlow"] === true ? credentialsOf("guest", "basic") : undefined,
  ].filter((c): c is Credentials => c !== undefined);
  const api = one(synth, "aws:apigatewayv2/api:Api", "wechat-login-api");
  const stage = str(one(synth, "aws:apigatewayv2/stage:Stage", "wechat-login-stage").state["name"]);
  const apiRoutes = ofType(synth, "aws:apigatewayv2/route:Route");
  const apiId = str(apiRoutes[0]?.state["apiId"]);
  // The routes' ARNs as core/partition builds them are the API's own execution ARN's.
  expect(str(api.state["executionArn"])).toBe(arns.apiExecution(t, apiId));
  const routes = new Map(
    apiRoutes.map((r) => {
      const [method = "", path = ""] = str(r.state["routeKey"]).split(" ");
      return [routeKey({ method, path }), arns.executeApi(t, apiId, stage, method, path)];
    }),
  );
  return { synth, config, t, poolId, credentials, routes, api: { id: apiId, stage } };
}

const decide = (
  c: Credentials,
  action: string,
  resource: string,
  context: Context,
  extra: Context = {},
): Decision =>
  evaluate(
    c.identity,
    { action, resource, context: { ...context, ...extra } },
    c.boundary,
    c.session,
  );

/** Two identities of the stack's region, lower-case GUIDs as Cognito issues them. */
const identities = (region: string) => ({
  a: `${region}:7d0c2a4e-1b3f-4c5d-8e6f-0a1b2c3d4e5a`,
  b: `${region}:7d0c2a4e-1b3f-4c5d-8e6f-0a1b2c3d4e5b`,
});

/** The actions each grant type gives for an access level (docs/configuration.md, `grants`). */
const S3_ACCESS = {
  read: { objects: ["s3:GetObject"], list: true },
  write: { objects: ["s3:PutObject", "s3:DeleteObject"], list: false },
  "read-write": { objects: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], list: true },
} as const;
const DYNAMODB_READ = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"];
const DYNAMODB_WRITE = [
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
];
const DYNAMODB_ACCESS = {
  read: DYNAMODB_READ,
  write: DYNAMODB_WRITE,
  "read-write": [...DYNAMODB_READ, ...DYNAMODB_WRITE],
} as const;

/**
 * Requests each grant promises identity A (`allowed: true`) and ones it must not give
 * (`allowed: false`): B's objects and items, actions of another access level. The actions per
 * access level are spelled here, not imported from infra/iam/grants.ts: this is the promise.
 */
function promises(
  g: Grant,
  t: DeployTarget,
  ids: { a: string; b: string },
): { action: string; resource: string; extra?: Context; allowed: boolean; what: string }[] {
  switch (g.type) {
    case "s3PerIdentity": {
      const access = S3_ACCESS[g.access];
      const own = `${g.prefix}/${ids.a}`;
      const other = `${g.prefix}/${ids.b}`;
      const all = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"];
      const bucket = s3Arn(t, g.bucket);
      return [
        ...all.map((action) => ({
          action,
          resource: s3Arn(t, g.bucket, `${own}/2026/photo.jpg`),
          allowed: (access.objects as readonly string[]).includes(action),
          what: `${action} in its own folder`,
        })),
        ...all.map((action) => ({
          action,
          resource: s3Arn(t, g.bucket, `${other}/photo.jpg`),
          allowed: false,
          what: `${action} in B's folder`,
        })),
        ...[`${own}/`, `${own}/2026/`].map((prefix) => ({
          action: "s3:ListBucket",
          resource: bucket,
          extra: { "s3:prefix": prefix },
          allowed: access.list,
          what: `listing ${prefix}`,
        })),
        ...[`${other}/`, `${g.prefix}/`, ""].map((prefix) => ({
          action: "s3:ListBucket",
          resource: bucket,
          extra: { "s3:prefix": prefix },
          allowed: false,
          what: `listing '${prefix}'`,
        })),
      ];
    }
    case "s3SharedRead":
      return [
        {
          action: "s3:GetObject",
          resource: s3Arn(t, g.bucket, `${g.prefix}/banner.png`),
          allowed: true,
          what: "reading the shared prefix",
        },
        {
          action: "s3:PutObject",
          resource: s3Arn(t, g.bucket, `${g.prefix}/banner.png`),
          allowed: false,
          what: "writing the shared prefix",
        },
        {
          action: "s3:ListBucket",
          resource: s3Arn(t, g.bucket),
          extra: { "s3:prefix": `${g.prefix}/` },
          allowed: true,
          what: "listing the shared prefix",
        },
      ];
    case "dynamodbPerIdentity": {
      const table = arns.table(t, g.table);
      const granted = DYNAMODB_ACCESS[g.access] as readonly string[];
      return [...DYNAMODB_READ, ...DYNAMODB_WRITE].flatMap((action) => [
        {
          action,
          resource: table,
          extra: { "dynamodb:LeadingKeys": [ids.a] },
          allowed: granted.includes(action),
          what: `${action} on its own items`,
        },
        {
          action,
          resource: table,
          extra: { "dynamodb:LeadingKeys": [ids.b] },
          allowed: false,
          what: `${action} on B's items`,
        },
        {
          action,
          resource: table,
          extra: { "dynamodb:LeadingKeys": [ids.a, ids.b] },
          allowed: false,
          what: `${action} on its own and B's items at once`,
        },
      ]);
    }
    case "apiInvoke": {
      const method = g.method.toUpperCase();
      return [
        {
          action: "execute-api:Invoke",
          resource: arns.executeApi(t, g.apiId, g.stage, method, g.path),
          allowed: true,
          what: `${method} ${g.path}`,
        },
        {
          action: "execute-api:Invoke",
          resource: arns.executeApi(t, g.apiId, g.stage, method === "GET" ? "PUT" : "GET", g.path),
          allowed: false,
          what: `another method on ${g.path}`,
        },
      ];
    }
    case "statements":
      // Each Allow's every action on a resource its pattern names (wildcards filled in, policy
      // variables left to the request context).
      return g.statements.flatMap((s) =>
        s.Effect !== "Allow"
          ? []
          : [s.Action].flat().flatMap((action) =>
              [s.Resource ?? []].flat().map((pattern) => ({
                action,
                resource: pattern.replace(/\$\{[^}]*\}|\*|\?/g, (m) => (m.length > 1 ? m : "x")),
                allowed: true,
                what: `statement ${action}`,
              })),
            ),
      );
  }
}

/** Statement grants' resources keep their policy variables: resolved from the context here. */
const resolve = (resource: string, context: Context) =>
  resource.replace(/\$\{([^}]*)\}/g, (_, k: string) => {
    const v = context[k];
    if (typeof v !== "string") throw new Error(`no ${k} in the context of ${resource}`);
    return v;
  });

/** The stack's settings the committed files do not exercise, with app grants on both roles. */
function appsVariant(stack: string, base: Synthesis): Overrides {
  const t = { ...partitionFacts(base.partition, base.region), accountId: base.accountId };
  // In AWS China, also the China spelling of the trust principal (docs/aws-china.md, "Trust
  // principal"): the identity variable and the request context's keys move with its key prefix.
  const china = COGNITO_TRUST_FAMILIES.find((f) => f.name === "china")?.principals[0];
  return {
    ...(base.partition === "aws-cn" && china ? { cognitoTrustPrincipal: china } : {}),
    allowGuests: "true",
    loginAuth: "iam",
    principalTags: "true",
    grants: JSON.stringify({
      authenticated: [
        {
          type: "s3PerIdentity",
          bucket: `myapp-user-files-${stack}`,
          prefix: "users",
          access: "read-write",
        },
        {
          type: "s3PerIdentity",
          bucket: `myapp-uploads-${stack}`,
          prefix: "in/box",
          access: "write",
        },
        { type: "dynamodbPerIdentity", table: `myapp-notes-${stack}`, access: "read-write" },
        { type: "apiInvoke", apiId: "a1b2c3d4e5", stage: "prod", method: "get", path: "/orders" },
        {
          type: "statements",
          statements: [
            {
              Sid: "AppAssets",
              Effect: "Allow",
              Action: "s3:GetObject",
              Resource: s3Arn(t, `myapp-assets-${stack}`, "apps/${aws:PrincipalTag/appId}/*"),
            },
          ],
        },
      ],
      guest: [
        {
          type: "s3PerIdentity",
          bucket: `myapp-user-files-${stack}`,
          prefix: "guests",
          access: "read",
        },
        { type: "dynamodbPerIdentity", table: `myapp-notes-${stack}`, access: "read" },
        {
          type: "statements",
          statements: [
            {
              Sid: "GuestEvents",
              Effect: "Allow",
              Action: "firehose:PutRecord",
              Resource: arn(
                t,
                "firehose",
                t.region,
                t.accountId,
                `deliverystream/myapp-events-${stack}`,
              ),
            },
          ],
        },
      ],
    }),
  };
}

/** What the boundary must deny whatever is granted: the stack's own resources, IAM, STS. */
function forbidden(d: Deployed): { action: string; resource: string; extra?: Context }[] {
  const { synth, t } = d;
  const table = one(synth, "aws:dynamodb/table:Table", "user-map-table").state;
  const tableArn = str(table["arn"]);
  const indexes = ((table["globalSecondaryIndexes"] ?? []) as { name: string }[]).map(
    (i) => `${tableArn}/index/${i.name}`,
  );
  const secrets = ofType(synth, "aws:secretsmanager/secret:Secret").map((s) => str(s.state["arn"]));
  const functions = ofType(synth, "aws:lambda/function:Function").map((f) => str(f.state["arn"]));
  // The stack's roles (the functions', the other Cognito role) and a role outside the stack.
  const roles = [
    ...ofType(synth, "aws:iam/role:Role").map((r) => str(r.state["arn"])),
    arns.role(t, "outside-admin"),
  ];
  // The functions' and the API's log groups (the access logs hold every caller's IP address).
  const logGroups = ofType(synth, "aws:cloudwatch/logGroup:LogGroup").map((g) =>
    arns.logGroup(t, str(g.state["name"])),
  );
  const pool = arns.identityPool(t, d.poolId);
  if (
    secrets.length === 0 ||
    functions.length < 2 ||
    indexes.length === 0 ||
    logGroups.length < 3
  ) {
    throw new Error(`${synth.stack}: the stack's own resources are not all found`);
  }
  return [
    ...["GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem"].flatMap(
      (op) =>
        [tableArn, ...indexes].map((resource) => ({
          action: `dynamodb:${op}`,
          resource,
          extra: { "dynamodb:LeadingKeys": [identities(synth.region).a] },
        })),
    ),
    ...["GetSecretValue", "DescribeSecret", "PutSecretValue"].flatMap((op) =>
      secrets.map((resource) => ({ action: `secretsmanager:${op}`, resource })),
    ),
    ...[
      "GetOpenIdTokenForDeveloperIdentity",
      "LookupDeveloperIdentity",
      "MergeDeveloperIdentities",
      "UnlinkDeveloperIdentity",
      "UpdateIdentityPool",
      "SetIdentityPoolRoles",
    ].map((op) => ({ action: `cognito-identity:${op}`, resource: pool })),
    // DeleteIdentities has no resource type: `*`, scoped by the pool's ARN.
    {
      action: "cognito-identity:DeleteIdentities",
      resource: "*",
      extra: { "cognito-identity:IdentityPoolArn": pool },
    },
    ...[
      "InvokeFunction",
      "GetFunction",
      "UpdateFunctionCode",
      "UpdateFunctionConfiguration",
    ].flatMap((op) =>
      functions.flatMap((f) =>
        [f, `${f}:1`].map((resource) => ({ action: `lambda:${op}`, resource })),
      ),
    ),
    // Log reads and changes: on the group, or on one of its streams (GetLogEvents).
    ...["FilterLogEvents", "StartQuery", "DeleteLogGroup", "PutRetentionPolicy"].flatMap((op) =>
      logGroups.map((resource) => ({ action: `logs:${op}`, resource })),
    ),
    ...logGroups.map((g) => ({
      action: "logs:GetLogEvents",
      resource: `${g}:log-stream:2026/12/01/[$LATEST]0123456789abcdef0123456789abcdef`,
    })),
    ...["PassRole", "PutRolePolicy", "AttachRolePolicy", "UpdateAssumeRolePolicy"].flatMap((op) =>
      roles.map((resource) => ({ action: `iam:${op}`, resource })),
    ),
    { action: "iam:CreateRole", resource: arns.role(t, "escalated") },
    { action: "iam:CreateAccessKey", resource: arn(t, "iam", "", t.accountId, "user/operator") },
    ...["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity"].flatMap((action) =>
      roles.map((resource) => ({ action, resource })),
    ),
  ];
}

const hostile = (requests: ReturnType<typeof forbidden>) =>
  requests.filter((f) => f.resource !== "*");

/** Grants of exactly what `forbidden` lists: the stack file asking for what it must never get. */
function hostileVariant(base: Deployed): Overrides {
  // The stack file takes ARNs only: DeleteIdentities on `*` cannot be granted there at all.
  const statements = hostile(forbidden(base)).map((f) => ({
    Effect: "Allow",
    Action: f.action,
    Resource: f.resource,
  }));
  return {
    allowGuests: "true",
    loginAuth: "iam",
    grants: JSON.stringify({
      authenticated: [{ type: "statements", statements }],
      guest: [{ type: "statements", statements }],
    }),
  };
}

const cache = new Map<string, Promise<Deployed>>();
/** Each stack and variant synthesized once for this file; the committed ones shared per worker. */
function deployed(stack: string, variant: "committed" | "apps" | "hostile"): Promise<Deployed> {
  const id = `${stack}:${variant}`;
  let found = cache.get(id);
  if (!found) {
    found =
      variant === "committed"
        ? committed(stack).then((s) => deploy(s, {}))
        : deployed(stack, "committed").then(async (base) => {
            const overrides =
              variant === "apps" ? appsVariant(stack, base.synth) : hostileVariant(base);
            return deploy(await synthesize(stack, overrides), overrides);
          });
    cache.set(id, found);
  }
  return found;
}

it("holds the session policy the repo's summary describes (core/guestSessionPolicy.ts)", () => {
  const [statement, ...more] = statementsOf(GUEST_SESSION_POLICY_DOCUMENT);
  expect(more).toEqual([]);
  expect(statement).toMatchObject({ Effect: "Allow", Resource: "*" });
  const actions = [statement?.Action ?? []].flat();
  const serviceOf = (a: string) => a.split(":")[0] ?? "";
  const whole = actions.filter((a) => a.endsWith(":*")).map(serviceOf);
  // Whole services, single actions and partly allowed services: the same in both.
  expect([...whole].sort()).toEqual([...GUEST_SESSION_POLICY.services].sort());
  const singles: readonly string[] = GUEST_SESSION_POLICY.actions;
  expect(singles.filter((a) => !actions.includes(a))).toEqual([]);
  const rest = actions.filter((a) => !whole.includes(serviceOf(a)) && !singles.includes(a));
  expect([...new Set(rest.map(serviceOf))].sort()).toEqual(
    [...GUEST_SESSION_POLICY.partialServices].sort(),
  );
  for (const action of actions) {
    const expected = rest.includes(action) ? "partial" : "kept";
    expect([action, guestSessionKeeps(action.replace(/\*/g, "Any"))]).toEqual([action, expected]);
  }
  // What apps of this stack would ask guests for first: none of it is in the policy.
  for (const action of ["s3:GetObject", "dynamodb:Query", "execute-api:Invoke", "sts:AssumeRole"]) {
    expect([action, guestSessionKeeps(action)]).toEqual([action, "removed"]);
    expect([action, matchesAction(statement ?? { Effect: "Allow" }, action)]).toEqual([
      action,
      false,
    ]);
  }
});

describe.each(STACKS)("app identities' credentials in $stack", ({ stack }) => {
  describe.each(["committed", "apps"] as const)("%s", (variant) => {
    it("carry boundaries IAM accepts: a managed policy of at most 6,144 characters", async () => {
      // IAM User Guide, "IAM and AWS STS quotas": managed policy documents, whitespace excluded.
      // The boundary repeats every grant beside its denies, so grants count against it too.
      const d = await deployed(stack, variant);
      for (const c of d.credentials) {
        const size = JSON.stringify(c.boundary).replace(/\s/g, "").length;
        expect([c.label, size <= MANAGED_POLICY_CHARACTERS]).toEqual([c.label, true]);
      }
    });

    it("give each identity what every grant promises, and nothing of another identity's", async () => {
      const d = await deployed(stack, variant);
      const ids = identities(d.synth.region);
      const appId = d.config.wechatApps[0]?.appId;
      let checked = 0;
      for (const c of d.credentials) {
        const context = c.context(ids.a, appId);
        for (const g of d.config.grants[c.kind]) {
          for (const p of promises(g, d.t, ids)) {
            const resource = resolve(p.resource, context);
            // Enhanced-flow guests keep only what the session policy keeps.
            const kept = c.session === undefined || guestSessionKeeps(p.action) === "kept";
            const decision = decide(c, p.action, resource, context, p.extra);
            expect([c.label, g.type, p.what, resource, decision.allowed]).toEqual([
              c.label,
              g.type,
              p.what,
              resource,
              p.allowed && kept,
            ]);
            checked++;
          }
        }
      }
      // The committed stacks grant signed-in users S3 at least; the variant grants both roles.
      expect(checked).toBeGreaterThanOrEqual(variant === "apps" ? 100 : 10);
    });

    it("let signing guests invoke exactly the login routes, in the basic flow only", async () => {
      const d = await deployed(stack, variant);
      const ids = identities(d.synth.region);
      const signed = ofType(d.synth, "aws:apigatewayv2/route:Route")
        .filter((r) => r.state["authorizationType"] === "AWS_IAM")
        .map((r) => str(r.state["routeKey"]));
      const login = signed.filter((k) => k.startsWith("POST /login"));
      expect(login.length > 0).toBe(d.config.login.auth === "iam");
      const invoke = (c: Credentials, resource: string) =>
        decide(c, "execute-api:Invoke", resource, c.context(ids.a)).allowed;
      const route = (k: string) => d.routes.get(k) ?? "";
      const account = routeKey(ACCOUNT_ROUTE);
      const elsewhere = [
        ...login.map((k) => route(k).replace("/POST/", "/GET/")),
        ...login.map((k) => `${route(k)}/more`),
        ...login.map((k) => route(k).replace(`/${d.api.stage}/`, "/other/")),
        arns.executeApi(d.t, d.api.id, d.api.stage, "*", "/*"),
      ];
      for (const c of d.credentials) {
        const basicGuest = c.kind === "guest" && c.session === undefined;
        for (const k of login)
          expect([c.label, k, invoke(c, route(k))]).toEqual([c.label, k, basicGuest]);
        for (const r of elsewhere) expect([c.label, r, invoke(c, r)]).toEqual([c.label, r, false]);
        // DELETE /account: signed-in identities, never guests.
        const deletes = c.kind === "authenticated";
        expect([c.label, account, invoke(c, route(account))]).toEqual([c.label, account, deletes]);
      }
      // Signing guests hold basic-flow credentials: the pool allows the classic flow for them.
      if (d.config.login.auth === "iam") {
        expect(d.credentials.some((c) => c.kind === "guest" && c.session === undefined)).toBe(true);
      }
    });
  });

  it("let the web example list the signed-in user's own prefix, and only that", async () => {
    for (const variant of ["committed", "apps"] as const) {
      const d = await deployed(stack, variant);
      const ids = identities(d.synth.region);
      const user = d.credentials.find((c) => c.kind === "authenticated");
      const listed = d.config.grants.authenticated.filter(
        (g) => g.type === "s3PerIdentity" && g.access !== "write",
      );
      if (!user || listed.length === 0) throw new Error(`${variant}: no listable own prefix`);
      for (const g of listed) {
        if (g.type !== "s3PerIdentity") continue;
        // The request examples/web/list-prefix.ts sends, captured where it leaves for S3.
        const list = async (identityId: string) => {
          const sent: { Bucket?: string; Prefix?: string }[] = [];
          const s3 = { send: async (c: { input: object }) => (sent.push(c.input), {}) };
          const kit = { identityId, config: { region: d.synth.region } };
          await listOwnPrefix(kit as never, g.bucket, g.prefix, s3 as never);
          const [input] = sent;
          return decide(
            user,
            "s3:ListBucket",
            s3Arn(d.t, input?.Bucket ?? ""),
            user.context(ids.a),
            {
              "s3:prefix": input?.Prefix ?? "",
            },
          ).allowed;
        };
        expect([variant, g.prefix, await list(ids.a)]).toEqual([variant, g.prefix, true]);
        expect([variant, g.prefix, await list(ids.b)]).toEqual([variant, g.prefix, false]);
      }
    }
  });

  it("name the caller by the condition-key prefix of the stack's trust family", async () => {
    const family = (name: string) => COGNITO_TRUST_FAMILIES.find((f) => f.name === name);
    const prefixes = async (variant: "committed" | "apps") => {
      const d = await deployed(stack, variant);
      const own = d.config.grants.authenticated.find((g) => g.type === "s3PerIdentity");
      const user = d.credentials.find((c) => c.kind === "authenticated");
      if (!own || own.type !== "s3PerIdentity" || !user) throw new Error("no per-identity grant");
      // The variable the grant holds is the key the context carries: else A reads nothing.
      const a = identities(d.synth.region).a;
      const objects = s3Arn(d.t, own.bucket, `${own.prefix}/${a}/x`);
      const context = user.context(a, d.config.wechatApps[0]?.appId);
      expect(decide(user, "s3:GetObject", objects, context).allowed).toBe(true);
      return d.t.trustConditionKeyPrefix;
    };
    expect(await prefixes("committed")).toBe(family("global")?.keyPrefixes[0]);
    const china = stack === "cn-north-1" ? "china" : "global";
    expect(await prefixes("apps")).toBe(family(china)?.keyPrefixes[0]);
  });

  it("scope a principal-tag grant to the app the identity logged in through", async () => {
    const d = await deployed(stack, "apps");
    const ids = identities(d.synth.region);
    const [mine, other] = d.config.wechatApps.map((a) => a.appId);
    const user = d.credentials.find((c) => c.kind === "authenticated");
    if (!user || !mine || !other) throw new Error("no signed-in role or fewer than two apps");
    const asset = (app: string) => s3Arn(d.t, `myapp-assets-${stack}`, `apps/${app}/logo.png`);
    const get = (app: string, tag: string) =>
      decide(user, "s3:GetObject", asset(app), user.context(ids.a, tag)).allowed;
    expect(get(mine, mine)).toBe(true);
    expect(get(other, mine)).toBe(false);
    expect(get(other, other)).toBe(true);
  });

  describe.each(["committed", "apps", "hostile"] as const)("%s", (variant) => {
    it("deny the mapping table, the secrets, developer-identity APIs, the functions and their logs, IAM and role chaining, explicitly", async () => {
      const d = await deployed(stack, variant);
      const ids = identities(d.synth.region);
      const requests = forbidden(d);
      for (const c of d.credentials) {
        const context = c.context(ids.a, d.config.wechatApps[0]?.appId);
        for (const f of requests) {
          const decision = decide(c, f.action, f.resource, context, f.extra);
          // An explicit Deny: it holds whatever a grant (or a policy attached later) allows.
          expect([c.label, f.action, f.resource, decision.allowed, decision.denied]).toEqual([
            c.label,
            f.action,
            f.resource,
            false,
            true,
          ]);
        }
      }
      if (variant === "hostile") {
        // The hostile grants are really in both roles' policies: only the boundary stops them.
        // (What the stack file asked for: the committed stack's resources, forbidden to both.)
        const asked = hostile(forbidden(await deployed(stack, "committed")));
        for (const c of d.credentials) {
          const granted = asked.filter(
            (f) =>
              evaluate(c.identity, {
                action: f.action,
                resource: f.resource,
                context: { ...c.context(ids.a), ...f.extra },
              }).allows.length > 0,
          );
          expect([c.label, granted.length]).toEqual([c.label, asked.length]);
        }
        expect(asked.length).toBeGreaterThan(50);
      }
    });
  });
});
