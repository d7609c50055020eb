/**
 * The structured (object) settings of the login API: its custom domain, the per-client limit and
 * where alarms notify. Rows of the one config table (./table.ts), kept here so each file has one job.
 */
import { z } from "zod";
import { DNS_NAME, EMAIL_ADDRESS, HOSTED_ZONE_ID, SNS_TOPIC_ARN } from "../../core/ids";
import { MAX_CLIENT_LOGINS_PER_MINUTE } from "../../core/quotas";
import { CLIENT_KEYS } from "../../core/vocabulary";
import { certificateArn } from "./certificate";
import { formatted, jsonFlag, oneOf, setting } from "./setting";

const setPath = (path: string, value: string) =>
  `pulumi config set --path ${/["[]/.test(path) ? `'${path}'` : path} ${value}`;

export const loginDomain = setting({
  type: "object",
  description:
    "Custom domain of the login API, e.g. { domainName: login.myapp.cn, certificateArn }. In " +
    "AWS China a public login route needs it: WeChat mini-programs call only ICP-filed HTTPS " +
    "domains on their allow-list. Default: none (the API's default endpoint).",
  fix:
    `${setPath("loginDomain.domainName", "login.myapp.cn")} and ` +
    `${setPath("loginDomain.certificateArn", "<ACM certificate ARN>")}`,
  leaves: {
    domainName: {
      type: "string",
      required: true,
      description: "The domain, a lower-case DNS name (ICP-filed in AWS China).",
      fix: setPath("loginDomain.domainName", "login.myapp.cn"),
    },
    certificateArn: {
      type: "string",
      required: true,
      description:
        "Its TLS certificate: an ACM certificate (requested or imported) in the stack's region.",
      fix: setPath("loginDomain.certificateArn", "<ACM certificate ARN>"),
    },
    hostedZoneId: {
      type: "string",
      description: "Route 53 hosted zone of the domain, for its alias record. Default: none.",
      fix: setPath("loginDomain.hostedZoneId", "Z0123456789ABCDEFGHIJ"),
    },
    disableDefaultEndpoint: {
      type: "boolean",
      default: "true",
      description: "Turn the API's execute-api endpoint off, so the domain is the only way in.",
      fix: setPath("loginDomain.disableDefaultEndpoint", "true"),
    },
  },
  schema: z.strictObject({
    domainName: formatted(DNS_NAME, "a lower-case DNS name such as login.myapp.cn", {
      field: true,
    }),
    certificateArn,
    hostedZoneId: formatted(
      HOSTED_ZONE_ID,
      "a Route 53 hosted zone id, 'Z' and capitals or digits",
      {
        field: true,
      },
    ).optional(),
    disableDefaultEndpoint: jsonFlag.default(true),
  }),
});

const CLIENT_RANGE = `must be a whole number from 1 to ${MAX_CLIENT_LOGINS_PER_MINUTE}`;

export const loginClientRateLimit = setting({
  type: "object",
  description:
    "Per-client login limit, { requestsPerMinute, key: sourceIp|identity }, counted by the " +
    "login function in the mapping table (aws and aws-cn: HTTP APIs have no per-client " +
    "throttling or WAF). Over it: 429 before Cognito. See docs/abuse-protection.md. Default: off.",
  fix: `${setPath("loginClientRateLimit.requestsPerMinute", "30")} and ${setPath("loginClientRateLimit.key", "sourceIp")}`,
  leaves: {
    requestsPerMinute: {
      type: "integer",
      required: true,
      description: `Login requests a client may make per minute (fixed window), 1 to ${MAX_CLIENT_LOGINS_PER_MINUTE}.`,
      fix: setPath("loginClientRateLimit.requestsPerMinute", "30"),
    },
    key: {
      type: "string",
      default: "sourceIp",
      description:
        "What a client is: 'sourceIp' (the caller's IP as API Gateway saw it) or 'identity' " +
        "(the signing guest's IdentityId; needs loginAuth 'iam').",
      fix: setPath("loginClientRateLimit.key", "sourceIp|identity"),
    },
  },
  schema: z.strictObject({
    requestsPerMinute: z
      .union([z.number(), z.string().regex(/^\d+$/).transform(Number)], {
        error: (issue) =>
          issue.input === undefined
            ? `{key} is required: requests per minute, 1 to ${MAX_CLIENT_LOGINS_PER_MINUTE}`
            : CLIENT_RANGE,
      })
      .pipe(
        z
          .number()
          .int({ message: CLIENT_RANGE })
          .min(1, { message: CLIENT_RANGE })
          .max(MAX_CLIENT_LOGINS_PER_MINUTE, { message: CLIENT_RANGE }),
      ),
    key: oneOf(CLIENT_KEYS).default("sourceIp"),
  }),
});

export const alarms = setting({
  type: "object",
  description:
    "Where the alarms notify (docs/runbook.md): topicArn, an existing SNS topic of the stack's " +
    "partition and region, or email, an address the stack subscribes to an SNS topic it " +
    "creates (confirm the subscription email). Default: none (alarms without actions).",
  fix: `${setPath("alarms.topicArn", "<SNS topic ARN>")} or ${setPath("alarms.email", "ops@example.com")}`,
  leaves: {
    topicArn: {
      type: "string",
      description: "An existing SNS standard topic in the stack's partition and region.",
      fix: setPath("alarms.topicArn", "<SNS topic ARN>"),
    },
    email: {
      type: "string",
      description: "An email address to subscribe to a topic the stack creates.",
      fix: setPath("alarms.email", "ops@example.com"),
    },
  },
  schema: z
    .strictObject({
      topicArn: formatted(SNS_TOPIC_ARN, "an SNS topic ARN (…:sns:<region>:<account>:<name>)", {
        field: true,
      }).optional(),
      email: formatted(EMAIL_ADDRESS, "an email address", { field: true }).optional(),
    })
    .refine((a) => (a.topicArn === undefined) !== (a.email === undefined), {
      message: "{key}: set exactly one of topicArn and email",
    }),
});
