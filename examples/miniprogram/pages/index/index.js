/* global Page, getApp, wx */
// Signs in, then lists the user's own S3 prefix (`users/<identityId>/`) with a SigV4-signed
// ListObjectsV2 through wx.request: the AWS SDK does not run in a mini-program, the kit's signer
// does. BUCKET must grant the authenticated role s3:ListBucket on that prefix only.
const { signRequest } = require("../../lib/cognito-devauth.js");

const BUCKET = "my-app-user-data";
const PREFIX = "users";

function s3Host(config) {
  const suffix = config.partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
  return `${BUCKET}.s3.${config.region}.${suffix}`;
}

function request(req) {
  return new Promise((resolve, reject) =>
    wx.request({
      url: req.url,
      method: req.method,
      header: req.headers,
      dataType: "text",
      success: (res) => resolve(res),
      fail: (err) => reject(new Error(err.errMsg)),
    }),
  );
}

Page({
  data: { status: "", keys: [] },

  async signIn() {
    const auth = getApp().auth;
    try {
      this.setData({ status: "Signing in..." });
      const { identityId } = await auth.signIn(); // a fresh wx.login code
      const prefix = `${PREFIX}/${identityId}/`;
      const creds = await auth.credentials();
      const url = `https://${s3Host(auth.config)}/?list-type=2&prefix=${encodeURIComponent(prefix)}`;
      const signed = await signRequest(
        // S3 wants the payload hash header; an empty GET may send UNSIGNED-PAYLOAD.
        { url, method: "GET", headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" }, body: "" },
        creds,
        auth.config.region,
        "s3",
        new Date(),
      );
      const res = await request(signed);
      const keys = [...String(res.data).matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]);
      this.setData({ status: `${res.statusCode}: ${keys.length} objects`, keys });
    } catch (err) {
      // AuthError codes: INVALID_CODE, USER_BLOCKED, RATE_LIMITED, UPSTREAM_UNAVAILABLE, ...
      this.setData({ status: `Sign-in failed: ${err.code || err.message}` });
    }
  },
});
