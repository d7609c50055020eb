"use strict";
/**
 * The bench's child process: loads the BUILT login bundle in this fresh process and drives it the
 * way the Lambda runtime does (require the handler, then invoke it with HTTP API 2.0 events).
 * Plain CommonJS with no dependencies, so the process pays for nothing but Node and the bundle.
 * Results go to fd 3 as one JSON object (stdout carries the function's own logs).
 *
 *   node driver.cjs <mode> <bundle.js> '<json options>'
 *   cold        init + ONE login of opts.user, then exit
 *   warm        opts.warmup logins, then opts.n returning and opts.n first-time logins in sequence;
 *               with opts.steadyWarmup, that many more logins and opts.n returning ones again
 *   throughput  returning logins for opts.seconds, opts.concurrency in flight
 *   latency     opts.n (first-time, returning) pairs in sequence
 *   window      warm's warm-up, then opts.n returning logins, then exit (section 7 counts a run
 *               with opts.n = 200 and one with 0: the difference is the bench window's logins)
 */
const fs = require("node:fs");
const process = require("node:process");
/**
 * Monotonic ms from process.hrtime, not perf_hooks: the driver must not load for the bundle what
 * a Lambda process has not loaded yet (the runtime interface client never touches
 * `performance`; its first use loads perf_hooks, ~4 M instructions, bench/README.md).
 */
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

const [mode, bundle, optionsJson] = process.argv.slice(2);
const opts = JSON.parse(optionsJson || "{}");
/** CPU of this process (all threads), microseconds. */
const cpuUs = () => {
  const u = process.resourceUsage();
  return u.userCPUTime + u.systemCPUTime;
};
const report = (result) => fs.writeSync(3, JSON.stringify(result));

let seq = 0;
function event(code) {
  const id = `bench-${process.pid}-${++seq}`;
  const body = JSON.stringify({ code });
  return {
    version: "2.0",
    routeKey: "POST /login/wechat",
    rawPath: "/login/wechat",
    rawQueryString: "",
    headers: {
      accept: "*/*",
      "content-length": String(body.length),
      "content-type": "application/json",
      host: "login.example.com",
      "user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.50",
      "x-amzn-trace-id": `Root=1-00000000-${id}`,
      "x-forwarded-for": "203.0.113.7",
      "x-forwarded-port": "443",
      "x-forwarded-proto": "https",
    },
    requestContext: {
      accountId: "123456789012",
      apiId: "abcdef1234",
      domainName: "login.example.com",
      domainPrefix: "login",
      http: {
        method: "POST",
        path: "/login/wechat",
        protocol: "HTTP/1.1",
        sourceIp: "203.0.113.7",
        userAgent: "MicroMessenger",
      },
      requestId: id,
      routeKey: "POST /login/wechat",
      stage: "$default",
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    body,
    isBase64Encoded: false,
  };
}

let handler;
async function login(user) {
  const ev = event(`${user}.${seq}`);
  const deadline = Date.now() + 10_000;
  const context = {
    awsRequestId: ev.requestContext.requestId,
    functionName: "wechat-login",
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
  const res = await handler(ev, context);
  if (res.statusCode !== 200) throw new Error(`login answered ${res.statusCode}: ${res.body}`);
  return res;
}

let fresh = 0;
const newUser = () => `n${process.pid}x${++fresh}`;

async function time(fn) {
  const c = cpuUs();
  const t = nowMs();
  await fn();
  return { cpuUs: cpuUs() - c, ms: nowMs() - t };
}

const modes = {
  async cold() {
    const c0 = cpuUs();
    const t0 = nowMs();
    handler = require(bundle).handler;
    const c1 = cpuUs();
    const t1 = nowMs();
    await login(opts.user);
    return {
      initCpuUs: c1 - c0,
      initMs: t1 - t0,
      loginCpuUs: cpuUs() - c1,
      loginMs: nowMs() - t1,
    };
  },
  async warm() {
    handler = require(bundle).handler;
    for (let i = 0; i < opts.warmup; i++) {
      await login(opts.user);
      await login(newUser());
    }
    const returning = await time(async () => {
      for (let i = 0; i < opts.n; i++) await login(opts.user);
    });
    const first = await time(async () => {
      for (let i = 0; i < opts.n; i++) await login(newUser());
    });
    // A container that has served a while: V8 has finished tiering up the hot code, whose
    // compilation (on V8's helper threads, counted above) no longer shows.
    let steady;
    if (opts.steadyWarmup > 0) {
      for (let i = 0; i < opts.steadyWarmup; i++) await login(opts.user);
      steady = await time(async () => {
        for (let i = 0; i < opts.n; i++) await login(opts.user);
      });
    }
    return { n: opts.n, returning, first, steady };
  },
  async window() {
    handler = require(bundle).handler;
    for (let i = 0; i < opts.warmup; i++) {
      await login(opts.user);
      await login(newUser());
    }
    for (let i = 0; i < opts.n; i++) await login(opts.user);
    return { n: opts.n };
  },
  async throughput() {
    handler = require(bundle).handler;
    for (let i = 0; i < opts.warmup; i++) await login(opts.user);
    // Time-bounded, so a slow (shared) machine still finishes in seconds.
    const stopAt = nowMs() + opts.seconds * 1000;
    let n = 0;
    let errors = 0;
    const worker = async () => {
      while (nowMs() < stopAt) {
        // Overload shows as the function's own timeouts (503): counted, not fatal.
        await login(opts.user).then(
          () => n++,
          () => errors++,
        );
      }
    };
    const run = await time(() => Promise.all(Array.from({ length: opts.concurrency }, worker)));
    return { n, errors, ...run };
  },
  async latency() {
    handler = require(bundle).handler;
    for (let i = 0; i < 4; i++) await login(opts.user);
    const first = [];
    const returning = [];
    for (let i = 0; i < opts.n; i++) {
      const user = newUser();
      first.push((await time(() => login(user))).ms);
      returning.push((await time(() => login(user))).ms);
    }
    return { first, returning };
  },
};

const run = modes[mode];
if (!run) throw new Error(`unknown mode ${mode}`);
run().then(
  (result) => {
    report(result);
    // Keep-alive sockets would hold the process open; Lambda freezes it here anyway.
    process.exit(0);
  },
  (err) => {
    report({ error: String((err && err.message) || err) });
    process.exit(1);
  },
);
