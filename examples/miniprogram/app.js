/* global App */
// The kit: `npm run build:client`, then copy client/dist/miniprogram.js to lib/cognito-devauth.js.
// The app config: `npm run app-config -- --stack <name> --out examples/miniprogram/app-config.json`.
// Add the config's login URL, cognitoEndpoint and stsEndpoint hosts to the mini-program's request
// allow-list (docs/wechat.md): WeChat refuses any other host.
const { createClient } = require("./lib/cognito-devauth.js");
const appConfig = require("./app-config.json");

App({
  onLaunch() {
    // wx.request, wx.*StorageSync and wx.login are the defaults: nothing else to wire.
    this.auth = createClient(appConfig);
  },
});
