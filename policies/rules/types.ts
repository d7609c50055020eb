/**
 * The Pulumi type tokens the rules read, each written once (`<package>:<module>/<name>:<Name>`,
 * as in the @pulumi/aws schema).
 */
export const TYPES = {
  awsProvider: "pulumi:providers:aws",
  // Cognito
  identityPool: "aws:cognito/identityPool:IdentityPool",
  identityPoolRoleAttachment: "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment",
  userPool: "aws:cognito/userPool:UserPool",
  // IAM
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  policy: "aws:iam/policy:Policy",
  userPolicy: "aws:iam/userPolicy:UserPolicy",
  groupPolicy: "aws:iam/groupPolicy:GroupPolicy",
  rolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  // Data, secrets and logs
  table: "aws:dynamodb/table:Table",
  secret: "aws:secretsmanager/secret:Secret",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  // Lambda
  function: "aws:lambda/function:Function",
  functionUrl: "aws:lambda/functionUrl:FunctionUrl",
  permission: "aws:lambda/permission:Permission",
  // API Gateway v2 (HTTP and WebSocket APIs)
  api: "aws:apigatewayv2/api:Api",
  route: "aws:apigatewayv2/route:Route",
  stage: "aws:apigatewayv2/stage:Stage",
  domainName: "aws:apigatewayv2/domainName:DomainName",
  apiMapping: "aws:apigatewayv2/apiMapping:ApiMapping",
  // API Gateway v1 (REST APIs)
  restApi: "aws:apigateway/restApi:RestApi",
  method: "aws:apigateway/method:Method",
  restDomainName: "aws:apigateway/domainName:DomainName",
  basePathMapping: "aws:apigateway/basePathMapping:BasePathMapping",
} as const;

/** The class name at the end of a type token: `Role` of `aws:iam/role:Role`. */
export function kindOf(type: string): string {
  return type.split(":").pop() ?? type;
}
