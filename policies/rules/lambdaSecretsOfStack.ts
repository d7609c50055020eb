/**
 * lambda-secrets-of-stack: a Lambda function's execution role reads only the stack's own secrets.
 *
 * Why: the login function holds every WeChat app's AppSecret through its role; a Secrets Manager
 * grant beyond the stack's own secrets (a wildcard, another stack's or account's secret) would
 * let a bug or a compromised dependency read secrets this stack never needs (docs/wechat.md,
 * "Several apps per stack": each app's secret, and the function may read exactly these). A
 * secret is named by its ARN, or by name with the six characters Secrets Manager appends
 * (`secret:<name>-??????`), as the stack builds it before the secret exists.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { allowsAction, documentsOfRole, globMatch } from "./roleGrants";
import { TYPES } from "./types";
import { REGION } from "../../core/ids";
import {
  WILDCARD_RE,
  asList,
  asStrings,
  isAllow,
  isRecord,
  known,
  raw,
  splitArn,
  statementLabel,
} from "./util";

/** Whether the role's trust policy lets the Lambda service assume it. */
function isLambdaRole(role: PolicyResource): boolean {
  const policy = raw(role.props)["assumeRolePolicy"];
  let doc: unknown = policy;
  if (typeof policy === "string") {
    try {
      doc = JSON.parse(policy) as unknown;
    } catch {
      return false;
    }
  }
  if (!isRecord(doc)) return false;
  return asList(doc["Statement"]).some(
    (s) =>
      isRecord(s) &&
      isRecord(s["Principal"]) &&
      asStrings(s["Principal"]["Service"]).some((p) => p.startsWith("lambda.")),
  );
}

interface StackSecret {
  name: string;
  arn: string | undefined;
}

/** Whether `pattern` names one of the stack's secrets: its ARN, or its by-name form. */
function namesStackSecret(pattern: string, secrets: readonly StackSecret[]): boolean {
  const p = splitArn(pattern);
  if (!p || p.service !== "secretsmanager") return false;
  return secrets.some((s) => {
    if (s.arn !== undefined && pattern === s.arn) return true;
    if (p.resource !== `secret:${s.name}-??????`) return false;
    // Same partition, region and account as the secret when its ARN is known; before it is (a
    // preview), at least a concrete region and account id, so `*:*` cannot pass as the stack's.
    const a = s.arn === undefined ? undefined : splitArn(s.arn);
    if (a) return a.partition === p.partition && a.region === p.region && a.account === p.account;
    return (
      !WILDCARD_RE.test(`${p.partition}:${p.region}:${p.account}`) &&
      REGION.test(p.region) &&
      /^\d{12}$/.test(p.account)
    );
  });
}

export const lambdaSecretsOfStack: StackValidationPolicy = {
  name: "lambda-secrets-of-stack",
  description:
    "Lambda execution roles may read only secrets of this stack (a secret's ARN, or its name and -??????).",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const resources: readonly PolicyResource[] = args.resources;
    const secrets: StackSecret[] = resources
      .filter((r) => r.type === TYPES.secret)
      .flatMap((r) => {
        const props = raw(r.props);
        const name = props["name"];
        return known(name) ? [{ name, arn: known(props["arn"]) ? props["arn"] : undefined }] : [];
      });
    for (const role of resources.filter((r) => r.type === TYPES.role && isLambdaRole(r))) {
      for (const doc of documentsOfRole(role, resources)) {
        doc.statements.forEach((statement, i) => {
          if (!isAllow(statement)) return;
          const secretsActions = asStrings(statement["Action"]).some((a) =>
            globMatch(a.split(":")[0] ?? "", "secretsmanager", true),
          );
          if (!secretsActions && !allowsAction(statement, "secretsmanager:GetSecretValue")) return;
          const where =
            `IAM role '${role.name}' (a Lambda execution role) may use Secrets Manager in ` +
            `${doc.source} ${statementLabel(statement, i)}`;
          if (statement["NotResource"] !== undefined) {
            reportViolation(
              `${where} on everything but its NotResource. Name the stack's secrets in Resource instead.`,
              doc.urn,
            );
            return;
          }
          for (const pattern of asStrings(statement["Resource"])) {
            if (namesStackSecret(pattern, secrets)) continue;
            reportViolation(
              `${where} on '${pattern}', which is not a secret of this stack: a function reads ` +
                "only its own stack's secrets. Name a secret of the stack by its ARN or as " +
                "secret:<name>-??????.",
              doc.urn,
            );
          }
        });
      }
    }
  },
};
