import { runPolicies } from "../../policies/rules/run";
import {
  arnOf,
  both,
  ENVS,
  expectViolation,
  mutate,
  ofPolicy,
  withAuthStatement,
} from "./fixtures";

describe("per-identity-grants", () => {
  const policy = "per-identity-grants";
  const granting = withAuthStatement;

  describe.each(both)("%s", (partition) => {
    const sub = `\${${ENVS[partition].keyPrefix}:sub}`;
    const s3 = (key?: string) =>
      `arn:${partition}:s3:::app-files${key === undefined ? "" : `/${key}`}`;

    it("passes the happy stack's per-identity DynamoDB grant", () => {
      expect(ofPolicy(runPolicies(mutate(partition, "x", (p) => p)), policy)).toEqual([]);
    });

    it("accepts S3 objects and listing scoped to the identity", () => {
      for (const statement of [
        {
          Sid: "S3PerIdentity0Objects",
          Effect: "Allow",
          Action: "s3:GetObject",
          Resource: s3(`users/${sub}/*`),
        },
        {
          Sid: "S3PerIdentity0List",
          Effect: "Allow",
          Action: "s3:ListBucket",
          Resource: s3(),
          Condition: { StringLike: { "s3:prefix": [`users/${sub}/`, `users/${sub}/*`] } },
        },
      ]) {
        expect(ofPolicy(granting(partition, statement), policy)).toEqual([]);
      }
    });

    it("rejects a bucket-wide grant named per identity", () => {
      const v = granting(partition, {
        Sid: "S3PerIdentity0Objects",
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: s3("users/*"),
      });
      expectViolation(v, policy, "every identity reaches every other identity's objects");
    });

    it("rejects listing without the identity in s3:prefix", () => {
      const v = granting(partition, {
        Sid: "S3PerIdentity0List",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: s3(),
        Condition: { StringLike: { "s3:prefix": ["users/*"] } },
      });
      expectViolation(v, policy, "lists every identity's objects");
    });

    it("rejects a per-identity table grant without dynamodb:LeadingKeys", () => {
      const v = granting(partition, {
        Sid: "DynamodbPerIdentity3",
        Effect: "Allow",
        Action: "dynamodb:GetItem",
        Resource: arnOf(partition, "dynamodb", "table/app-notes"),
      });
      expectViolation(v, policy, "reaches every item of the table");
    });

    it("rejects the identity variable of an unknown prefix", () => {
      const v = granting(partition, {
        Sid: "S3PerIdentity0Objects",
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: s3("users/${aws:username}/*"),
      });
      expectViolation(v, policy, "is a per-identity grant but");
    });
  });
});
