/**
 * One Secrets Manager secret per WeChat app, holding its AppSecret. The login function gets each
 * secret's ARN (WECHAT_APPS), never a value; its role may read exactly these secrets.
 */
import * as secretsmanager from "@pulumi/aws/secretsmanager";
import * as pulumi from "@pulumi/pulumi";
import type { WechatAppKind } from "../core/vocabulary";

export interface WechatAppArgs {
  appId: string;
  kind: WechatAppKind;
  /** The AppSecret; stored in Secrets Manager only. Pass a secret Output. */
  appSecret: pulumi.Input<string>;
  /**
   * The single mini-program of the original config (`wechat`): its secret keeps that stack's
   * logical and physical names, so a deployed stack replaces nothing.
   */
  legacy: boolean;
}

export interface WechatAppSecret {
  appId: string;
  kind: WechatAppKind;
  /** Physical name of the secret (its ARN is this, `-` and six random characters). */
  name: string;
  secret: secretsmanager.Secret;
}

/** Logical and physical names of an app's secret. */
export function wechatSecretNames(
  component: string,
  namePrefix: string,
  app: Pick<WechatAppArgs, "appId" | "legacy">,
): { logical: string; physical: string } {
  return app.legacy
    ? { logical: `${component}-wechat-secret`, physical: `${namePrefix}/wechat-app-secret` }
    : {
        logical: `${component}-wechat-secret-${app.appId}`,
        physical: `${namePrefix}/wechat-app-secret/${app.appId}`,
      };
}

/** The secret (and its version) of each app, children of `parent`. */
export function wechatSecrets(
  parent: pulumi.Resource,
  component: string,
  namePrefix: string,
  apps: readonly WechatAppArgs[],
  tags: Record<string, string>,
): WechatAppSecret[] {
  return apps.map((app) => {
    const names = wechatSecretNames(component, namePrefix, app);
    const what = app.kind === "oauth" ? "OAuth app" : "mini-program";
    const secret = new secretsmanager.Secret(
      names.logical,
      {
        name: names.physical,
        description: `WeChat AppSecret of ${what} ${app.appId}`,
        // Deleted at once when an app leaves the config: the stack's config is the AppSecret's
        // source of truth, and a secret in its 30-day recovery window keeps its name taken, so
        // re-adding the app would fail CreateSecret.
        recoveryWindowInDays: 0,
        tags,
      },
      { parent },
    );
    new secretsmanager.SecretVersion(
      names.logical,
      { secretId: secret.id, secretString: pulumi.secret(app.appSecret) },
      { parent },
    );
    return { appId: app.appId, kind: app.kind, name: names.physical, secret };
  });
}
