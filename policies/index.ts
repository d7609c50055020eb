/**
 * Policy pack entry: `pulumi preview --policy-pack policies`. Constructing a PolicyPack starts the
 * analyzer gRPC server and reads ./package.json (its version), so nothing else lives here: the
 * rules are in ./rules and are unit-tested without it.
 */
import { PolicyPack } from "@pulumi/policy";
import { allRules } from "./rules";

new PolicyPack("cognito-devauth", {
  description:
    "Security rules for the Cognito developer-authenticated identities stack (aws, aws-cn).",
  enforcementLevel: "mandatory",
  policies: [...allRules],
});
