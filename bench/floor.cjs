"use strict";
/**
 * The floor under any login bundle: a "function" that does nothing but what every login of its
 * flow must do on the wire, with Node's own modules: load node:http, node:https and node:crypto,
 * read the secret once (first login), then per login one GET to WeChat and two POSTs in parallel
 * (Cognito, DynamoDB) over keep-alive sockets, reading each reply whole; in the basic flow's
 * environment (AUTHENTICATED_ROLE_ARN set, as infra/loginApi.ts sets it) one more POST to STS.
 * No signing, no parsing, no logging. Run by driver.cjs like a bundle, so its cold and warm
 * figures show how much of a bundle's cost is Node's HTTP client itself (bench/README.md,
 * "The floor").
 */
const { Buffer } = require("node:buffer");
const http = require("node:http");
const https = require("node:https"); // real endpoints are https: every bundle loads it at init
const process = require("node:process");
const { URL } = require("node:url");
require("node:crypto"); // every bundle signs or hashes

const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: 50 }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: 50 }),
};
const base = (name) => new URL(process.env[name] ?? "http://127.0.0.1:9");

function call(url, method, path, body, headers) {
  return new Promise((resolve, reject) => {
    const transport = url.protocol === "https:" ? https : http;
    const agent = agents[url.protocol];
    const req = transport.request(
      { hostname: url.hostname, port: url.port, method, path, agent, headers },
      (res) => {
        res.on("data", () => undefined);
        res.on("end", resolve);
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const json = (target, body) => ({
  "content-type": "application/x-amz-json-1.1",
  "x-amz-target": target,
  "content-length": String(Buffer.byteLength(body)),
});

const basic = process.env.AUTHENTICATED_ROLE_ARN !== undefined;
const form = "Action=floor";
const formHeaders = {
  "content-type": "application/x-www-form-urlencoded",
  "content-length": String(form.length),
};

let secretRead = false;
exports.handler = async () => {
  if (!secretRead) {
    const body = '{"SecretId":"floor"}';
    await call(base("AWS_ENDPOINT_URL_SECRETS_MANAGER"), "POST", "/", body, json("floor.S", body));
    secretRead = true;
  }
  await call(base("WECHAT_API_BASE_URL"), "GET", "/floor?js_code=c", undefined, {});
  const body = '{"floor":true}';
  await Promise.all([
    call(base("AWS_ENDPOINT_URL_COGNITO_IDENTITY"), "POST", "/", body, json("floor.C", body)),
    call(base("AWS_ENDPOINT_URL_DYNAMODB"), "POST", "/", body, json("floor.D", body)),
  ]);
  if (basic) await call(base("AWS_ENDPOINT_URL_STS"), "POST", "/", form, formHeaders);
  return { statusCode: 200, headers: {}, body: "{}" };
};
