import { isIcpFilingNumber, ICP_FILING_NUMBER } from "../../core/ids";
import { runPolicies, type PlanResource } from "../../policies/rules/run";
import {
  arnOf,
  customDomain,
  edit,
  expectViolation,
  ICP,
  mutate,
  ofPolicy,
  resourceOf,
  type Stack,
} from "./fixtures";

describe("china-public-route", () => {
  const policy = "china-public-route";
  const API_ID = "a1b2c3d4e5";
  const publicRoute = (p: Record<string, unknown>) => ({ ...p, authorizationType: "NONE" });
  const auth = (authorizationType: string) => (p: Record<string, unknown>) => ({
    ...p,
    authorizationType,
    ...(authorizationType === "AWS_IAM" ? {} : { authorizerId: "au1" }),
  });
  const tagged = (resources: PlanResource[], icp: string, name = "login-api") =>
    edit(resources, name, (p) => ({ ...p, tags: { "icp-filing": icp } }));
  /** The China stack's production shape: a public route on an ICP-filed custom domain. */
  const onCustomDomain = (resources: PlanResource[], icp = ICP) =>
    tagged([...resources, ...customDomain("aws-cn", API_ID)], icp);

  describe("HTTP API routes", () => {
    it("rejects a public route in aws-cn", () => {
      const v = runPolicies(mutate("aws-cn", "login-route", publicRoute));
      expectViolation(
        v,
        policy,
        "unauthenticated requests are served only if the account has an ICP filing; use loginAuth: iam",
      );
    });

    it("rejects a route with no authorizationType (defaults to NONE) in aws-cn", () => {
      const v = runPolicies(
        mutate("aws-cn", "login-route", (p) => ({ ...p, authorizationType: undefined })),
      );
      expectViolation(v, policy, "API route 'login-route' (POST /login) in cn-north-1");
    });

    it.each(["CUSTOM", "JWT", "NONE"])("rejects a %s route in aws-cn", (type) => {
      const v = runPolicies(mutate("aws-cn", "login-route", auth(type)));
      expectViolation(
        v,
        policy,
        `API route 'login-route' (POST /login) in cn-north-1 has authorizationType ${type}, so it is public`,
      );
    });

    it("rejects a public $default route like any other", () => {
      const v = runPolicies(
        mutate("aws-cn", "login-route", (p) => ({ ...publicRoute(p), routeKey: "$default" })),
      );
      expectViolation(v, policy, "API route 'login-route' ($default) in cn-north-1");
    });

    it("allows a public route in the global partition", () => {
      expect(runPolicies(mutate("aws", "login-route", publicRoute))).toEqual([]);
    });

    it.each(["CUSTOM", "JWT", "NONE"])("allows a %s route in the global partition", (type) => {
      expect(runPolicies(mutate("aws", "login-route", auth(type)))).toEqual([]);
    });
  });

  describe("a public route in aws-cn needs an ICP filing and a custom domain", () => {
    it("allows a public route when the API is tagged with the account's ICP filing number and served on a custom domain", () => {
      const resources = onCustomDomain(mutate("aws-cn", "login-route", publicRoute));
      expect(runPolicies(resources)).toEqual([]);
    });

    it("accepts the icp-filing tag on the custom domain instead of the API", () => {
      const resources = [
        ...mutate("aws-cn", "login-route", publicRoute),
        ...customDomain("aws-cn", API_ID, "login.example.cn", { "icp-filing": ICP }),
      ];
      expect(runPolicies(resources)).toEqual([]);
    });

    it("rejects an ICP-tagged API with no custom domain mapped to it", () => {
      const v = runPolicies(tagged(mutate("aws-cn", "login-route", publicRoute), ICP));
      expectViolation(
        v,
        policy,
        "or give the API an ICP-filed custom domain mapped to it (aws.apigatewayv2.DomainName + aws.apigatewayv2.ApiMapping)",
      );
      expect(ofPolicy(v, policy)[0]?.message).not.toContain("icp-filing=");
    });

    it("rejects a custom domain without an ICP filing number", () => {
      const resources = [
        ...mutate("aws-cn", "login-route", publicRoute),
        ...customDomain("aws-cn", API_ID),
      ];
      const v = runPolicies(resources);
      expectViolation(v, policy, "or give the API an icp-filing=<ICP filing number");
      expect(ofPolicy(v, policy)[0]?.message).not.toContain("custom domain mapped");
    });

    it("rejects a mapping whose domain is not a custom domain of this stack", () => {
      const [, mapping] = customDomain("aws-cn", API_ID);
      const v = runPolicies(
        tagged([...mutate("aws-cn", "login-route", publicRoute), mapping!], ICP),
      );
      expectViolation(v, policy, "an ICP-filed custom domain mapped to it");
    });

    it("rejects a custom domain mapped to another API", () => {
      const v = runPolicies(
        tagged(
          [...mutate("aws-cn", "login-route", publicRoute), ...customDomain("aws-cn", "zzz9")],
          ICP,
        ),
      );
      expectViolation(v, policy, "an ICP-filed custom domain mapped to it");
    });

    it("links a route to the stack's only API when the plan has no API id", () => {
      const resources = edit(
        onCustomDomain(mutate("aws-cn", "login-route", publicRoute), "京ICP备12345678号-1"),
        "login-api",
        (p) => ({ name: "login", tags: p["tags"] }),
      );
      expect(runPolicies(resources)).toEqual([]);
    });

    it("rejects the implicit $default route of a quick-create API", () => {
      const v = runPolicies(
        mutate("aws-cn", "login-api", (p) => ({
          ...p,
          target: arnOf("aws-cn", "lambda", "function:login"),
        })),
      );
      expectViolation(
        v,
        policy,
        "API 'login-api' in cn-north-1 has a quick-create target, which adds a $default route with authorizationType NONE, so it is public",
      );
    });

    it("treats an API defined by an OpenAPI body as public", () => {
      const v = runPolicies(mutate("aws-cn", "login-api", (p) => ({ ...p, body: "{}" })));
      expectViolation(v, policy, "API 'login-api' in cn-north-1 is defined by an OpenAPI body");
      const served = onCustomDomain(mutate("aws-cn", "login-api", (p) => ({ ...p, body: "{}" })));
      expect(runPolicies(served)).toEqual([]);
    });
  });

  describe("only AWS_IAM, and real ICP filing numbers", () => {
    it.each(["京ICP备12345678号", "京ICP备12345678号-1", "沪ICP证123456号", "粤ICP备1234567号-12"])(
      "accepts a JWT route when the API carries ICP filing number %s",
      (icp) => {
        expect(
          runPolicies(onCustomDomain(mutate("aws-cn", "login-route", auth("JWT")), icp)),
        ).toEqual([]);
      },
    );

    it("does not accept an empty or non-ICP icp-filing tag", () => {
      const resources = onCustomDomain(mutate("aws-cn", "login-route", publicRoute), "yes");
      expectViolation(runPolicies(resources), policy, "has authorizationType NONE");
    });

    it.each([
      "yes",
      "ICP",
      "ICP-12345678",
      "ICP备12345678号",
      "京ICP备12345号",
      "京ICP备123456789号",
      "京ICP备12345678",
      "京ICP12345678号",
      "京ICP备12345678号-",
      " 京ICP备12345678号",
      "京ICP备12345678号 ",
      "AICP备12345678号",
      "京icp备12345678号",
    ])("rejects the fake ICP number %j", (icp) => {
      expect(isIcpFilingNumber(icp)).toBe(false);
      const v = runPolicies(onCustomDomain(mutate("aws-cn", "login-route", auth("NONE")), icp));
      expectViolation(v, policy, "has authorizationType NONE");
    });

    it("reads the ICP filing format from core as one regex", () => {
      expect(ICP_FILING_NUMBER.source).toBe("^[\\u4e00-\\u9fa5]ICP[备证]\\d{6,8}号(-\\d+)?$");
      expect(isIcpFilingNumber(12345678)).toBe(false);
    });
  });

  describe("REST API methods", () => {
    const REST_ID = "r1s2t3u4v5";
    const restApi = (partition: Stack, authorization: string, apiProps = {}) => [
      resourceOf(partition, "aws:apigateway/restApi:RestApi", "rest-api", {
        id: REST_ID,
        name: "rest",
        ...apiProps,
      }),
      resourceOf(partition, "aws:apigateway/method:Method", "rest-login", {
        restApi: REST_ID,
        resourceId: "abc123",
        httpMethod: "POST",
        authorization,
      }),
    ];
    const restDomain = (partition: Stack) => [
      resourceOf(partition, "aws:apigateway/domainName:DomainName", "rest-domain", {
        domainName: "rest.example.cn",
        regionalCertificateArn: arnOf(partition, "acm", "certificate/0f1e2d3c"),
        tags: { "icp-filing": ICP },
      }),
      resourceOf(partition, "aws:apigateway/basePathMapping:BasePathMapping", "rest-mapping", {
        restApi: REST_ID,
        domainName: "rest.example.cn",
        stageName: "prod",
      }),
    ];
    const inStack = (partition: Stack, ...extra: PlanResource[]) =>
      runPolicies([...mutate(partition, "login-route", (p) => p), ...extra]);

    it.each(["NONE", "CUSTOM", "COGNITO_USER_POOLS"])(
      "rejects a %s method in aws-cn and names the REST custom domain resources",
      (authorization) => {
        const v = inStack("aws-cn", ...restApi("aws-cn", authorization));
        expectViolation(
          v,
          policy,
          `REST API method 'rest-login' (POST) in cn-north-1 has authorization ${authorization}, so it is public`,
        );
        expectViolation(v, policy, "aws.apigateway.DomainName + aws.apigateway.BasePathMapping");
      },
    );

    it("accepts an AWS_IAM method, a method of a PRIVATE REST API, and one on an ICP-filed domain", () => {
      expect(ofPolicy(inStack("aws-cn", ...restApi("aws-cn", "AWS_IAM")), policy)).toEqual([]);
      const privateApi = restApi("aws-cn", "NONE", {
        endpointConfiguration: { types: ["PRIVATE"] },
      });
      expect(ofPolicy(inStack("aws-cn", ...privateApi), policy)).toEqual([]);
      const served = [...restApi("aws-cn", "NONE"), ...restDomain("aws-cn")];
      expect(ofPolicy(inStack("aws-cn", ...served), policy)).toEqual([]);
    });

    it("allows a public method in the global partition", () => {
      expect(ofPolicy(inStack("aws", ...restApi("aws", "NONE")), policy)).toEqual([]);
    });
  });

  describe("Lambda function URLs", () => {
    const url = (partition: Stack, authorizationType: string) =>
      resourceOf(partition, "aws:lambda/functionUrl:FunctionUrl", "login-url", {
        functionName: "login",
        authorizationType,
      });

    it.each(["NONE", "AWS_IAM"])(
      "rejects a function URL (%s) in aws-cn, where none exist",
      (type) => {
        const v = runPolicies([...mutate("aws-cn", "login", (p) => p), url("aws-cn", type)]);
        expectViolation(
          v,
          policy,
          "Lambda function URL 'login-url' in cn-north-1: AWS China has no Lambda function URLs",
        );
        expectViolation(v, policy, "serve the function through an API Gateway route instead");
        // One defect, one message: lambda-permission-source-arn leaves China's URLs to this rule.
        expect(ofPolicy(v, "lambda-permission-source-arn")).toEqual([]);
      },
    );

    it("leaves global function URLs to lambda-permission-source-arn", () => {
      const v = runPolicies([...mutate("aws", "login", (p) => p), url("aws", "NONE")]);
      expect(ofPolicy(v, policy)).toEqual([]);
    });
  });
});
