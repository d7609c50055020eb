import type { PlanResource, Synthesis } from "../../scripts/synth";
import type { Document } from "./iam";
import { ofType } from "./stacks";

const str = (v: unknown): string => (typeof v === "string" ? v : "");
const parse = (p: unknown) => JSON.parse(str(p)) as Document;

/** The role's identity policies as synthesized: inline, RolePolicy and the stack's attached policies. */
export function documentsOf(synth: Synthesis, role: PlanResource): Document[] {
  const name = str(role.state["name"]);
  const inline = ((role.state["inlinePolicies"] ?? []) as { policy?: unknown }[]).map((p) =>
    parse(p.policy),
  );
  const rolePolicies = ofType(synth, "aws:iam/rolePolicy:RolePolicy")
    .filter((p) => p.state["role"] === name)
    .map((p) => parse(p.state["policy"]));
  const attached = [
    ...((role.state["managedPolicyArns"] ?? []) as string[]),
    ...ofType(synth, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
      .filter((a) => a.state["role"] === name)
      .map((a) => str(a.state["policyArn"])),
  ].map((policyArn) => {
    const policy = ofType(synth, "aws:iam/policy:Policy").find((p) => p.state["arn"] === policyArn);
    // A policy the stack does not define (an AWS managed one) cannot be evaluated here.
    if (!policy) throw new Error(`${name}: attached policy ${policyArn} is not the stack's`);
    return parse(policy.state["policy"]);
  });
  return [...inline, ...rolePolicies, ...attached];
}

/** The role's permissions boundary as synthesized, if it has one. */
export function boundaryOf(synth: Synthesis, role: PlanResource): Document | undefined {
  const boundaryArn = str(role.state["permissionsBoundary"]);
  if (boundaryArn === "") return undefined;
  const boundary = ofType(synth, "aws:iam/policy:Policy").find(
    (p) => p.state["arn"] === boundaryArn,
  );
  if (!boundary) throw new Error(`${String(role.state["name"])}: boundary ${boundaryArn}?`);
  return parse(boundary.state["policy"]);
}
