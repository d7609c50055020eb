/**
 * `npx tsx tests/support/brokenProgramPlan.ts <secret>`: the plan command, as a process, over the
 * dev stack whose program throws inside an `apply` (a builder failing on a value only known at
 * deployment), with `<secret>` as the AppSecret and in the builder's error message. Pulumi surfaces
 * such a failure only as an unhandled rejection, which jest intercepts: so this runs in its own
 * process, as `npm run plan` does.
 */
import * as iam from "@pulumi/aws/iam";
import * as pulumi from "@pulumi/pulumi";
import { runCli } from "../../scripts/cli";
import { main, plan } from "../../scripts/plan";

const secret = process.argv[2] ?? "";
process.argv.splice(2, 1);

const program = async () => {
  const role = new iam.Role("broken", {
    assumeRolePolicy: pulumi.output("x").apply((): string => {
      throw new Error(`cannot build a trust policy for ${secret}`);
    }),
  });
  return { roleArn: role.arn };
};

const wechat = JSON.stringify({ appId: "wx8f3a61c2d94be705", appSecret: secret });
runCli((argv, io) =>
  main(argv, io, { plan: (stack) => plan(stack, { wechat }, undefined, { program }) }),
);
