/** Typed IAM policy documents: what the pure builders in `policies/` return. */

export type OneOrMany<T> = T | T[];

export type ConditionBlock = Record<string, Record<string, OneOrMany<string>>>;

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: Record<string, OneOrMany<string>> | "*";
  Action: OneOrMany<string>;
  Resource?: OneOrMany<string>;
  Condition?: ConditionBlock;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/** Serializes a document for a Pulumi `policy` / `assumeRolePolicy` input. */
export function toJson(document: PolicyDocument): string {
  return JSON.stringify(document);
}
