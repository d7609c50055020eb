// What `npm run typecheck` sees as "@pulumi/aws" (tsconfig.typecheck.json `paths`): the
// namespaces and functions this project uses, re-exported from the package's own declarations,
// so the type-check parses ~2,000 declaration files instead of the ~4,500 of every AWS service
// (docs/testing.md, "Keeping the suite fast"). Run time is unchanged: node, jest and tsx load the
// real package. Using another part of the provider is one more line here; tsc names what is
// missing ("Property 'ssm' does not exist on type ...pulumi-aws").
export * as apigateway from "@pulumi/aws/apigateway";
export * as apigatewayv2 from "@pulumi/aws/apigatewayv2";
export * as cloudwatch from "@pulumi/aws/cloudwatch";
export * as cognito from "@pulumi/aws/cognito";
export * as dynamodb from "@pulumi/aws/dynamodb";
export * as iam from "@pulumi/aws/iam";
export * as lambda from "@pulumi/aws/lambda";
export * as route53 from "@pulumi/aws/route53";
export * as secretsmanager from "@pulumi/aws/secretsmanager";
export * as sns from "@pulumi/aws/sns";
export { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
export { getPartitionOutput } from "@pulumi/aws/getPartition";
