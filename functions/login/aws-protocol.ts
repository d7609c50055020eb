/**
 * The AWS wire protocols the client speaks, beyond the HTTP exchange: the query protocol's form
 * encoding, and error names and XML text as the SDK parses them.
 */
import { AwsServiceError, type AwsReply } from "./transport";

/**
 * The SDK's query encoding (RFC 3986: encodeURIComponent plus !'()*). The STS form's values
 * (an ARN, a JWT, digits) rarely hold any of the five, so the replace, and the compile of its
 * regex at a cold start's first call, is skipped unless one is there.
 */
export function queryEscape(s: string): string {
  const e = encodeURIComponent(s);
  if (!(
    e.includes("!") ||
    e.includes("'") ||
    e.includes("(") ||
    e.includes(")") ||
    e.includes("*")
  )) {
    return e;
  }
  return e.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function requestIdOf(reply: AwsReply): string | undefined {
  const id = reply.headers["x-amzn-requestid"] ?? reply.headers["x-amz-request-id"];
  return typeof id === "string" ? id : undefined;
}

/** `aws.protocols#awsJson1_x` error name, sanitized as the SDK does (namespace, `:` suffix). */
export function jsonError(reply: AwsReply): AwsServiceError {
  let name = reply.headers["x-amzn-errortype"];
  if (typeof name !== "string" || name === "") {
    name = "";
    try {
      const body = JSON.parse(reply.body) as Record<string, unknown>;
      const raw = body["__type"] ?? body["code"] ?? body["Code"];
      if (typeof raw === "string") name = raw;
    } catch {
      // Not JSON (a proxy's error page): the status alone classifies it.
    }
  }
  return new AwsServiceError(
    sanitizeErrorName(name, reply.status),
    reply.status,
    requestIdOf(reply),
  );
}

/** Query-protocol error: `<ErrorResponse><Error><Code>…</Code>`. */
export function queryError(reply: AwsReply): AwsServiceError {
  const code = /<Error>[\s\S]*?<Code>([^<]*)<\/Code>/.exec(reply.body)?.[1]?.trim() ?? "";
  return new AwsServiceError(
    sanitizeErrorName(code, reply.status),
    reply.status,
    requestIdOf(reply),
  );
}

function sanitizeErrorName(raw: string, status: number): string {
  let name = raw.split(":")[0] ?? "";
  if (name.includes("#")) name = name.slice(name.lastIndexOf("#") + 1);
  name = name.trim();
  return name !== "" ? name : `HTTP${status}`;
}

/**
 * The text of the first `<tag>` of an XML reply that holds text only, entities decoded. Found with
 * indexOf rather than a RegExp built per tag: each new pattern was compiled at a cold start's
 * first STS reply (functions/README.md, "Performance").
 */
export function xmlText(xml: string, tag: string): string | undefined {
  const open = `<${tag}>`;
  const close = `</${tag}>`;
  for (let at = xml.indexOf(open); at >= 0; at = xml.indexOf(open, at + 1)) {
    const from = at + open.length;
    const end = xml.indexOf("<", from);
    if (end < 0) return undefined;
    if (xml.startsWith(close, end)) {
      const text = xml.slice(from, end);
      return text.includes("&") ? decodeEntities(text) : text;
    }
  }
  return undefined;
}

/** The XML character and predefined entity references of `text`, decoded. */
function decodeEntities(text: string): string {
  return text.replace(/&(#x?[0-9a-fA-F]+|amp|lt|gt|quot|apos);/g, (_, e: string) => {
    if (e.startsWith("#x")) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith("#")) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" }[e] ?? "";
  });
}
