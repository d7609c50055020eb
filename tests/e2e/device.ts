/**
 * A phone running the mini-program: the kit's mini-program build evaluated as a mini-program
 * loads it, in a `node:vm` context whose only host objects are `wx`, timers and `console`, plus
 * the CommonJS `module`/`exports` pair (no `require`, `fetch`, `crypto`, `TextEncoder`, `URL`).
 *
 * - `wx.request` goes over real loopback HTTP. As WeChat does, it refuses anything but HTTPS to a
 *   domain on the app's allow-list (docs/wechat.md, "Domain allow-list and ICP"); the "network"
 *   then carries the request to the stand-in serving that host (TLS aside), Host header intact,
 *   so SigV4 covers the real host name.
 * - `wx.*StorageSync` is this phone's storage (survives app restarts: `start()` again).
 * - `wx.login` mints a code at the WeChat stand-in for whoever is signed in to WeChat here.
 * - Timers and `Date` run on the test's one clock (jest's fake `Date`, shared with the stand-ins
 *   and the bundled function): a timer of `ms` moves that clock on by `ms` and fires at once, so
 *   Retry-After and backoff are honoured in device time without the test waiting them out.
 */
import { request } from "node:http";
import * as vm from "node:vm";
import type { DevAuthClient } from "../../client/session";
import type { signRequest } from "../../client/sign";
import type { WechatStandIn, WechatUser } from "./stand-ins";

export interface MiniprogramKit {
  createClient(config: unknown): DevAuthClient;
  signRequest: typeof signRequest;
}

export interface WxRequest {
  readonly url: string;
  readonly op: string;
  readonly status: number;
}

export interface Network {
  /** Host name -> `127.0.0.1:<port>` of the stand-in serving it. */
  readonly hosts: ReadonlyMap<string, string>;
  /** The mini-program's request-domain allow-list. */
  readonly allowList: ReadonlySet<string>;
}

export class Device {
  readonly storage = new Map<string, string>();
  readonly requests: WxRequest[] = [];
  /** Every timer the kit set, in ms (its sleeps: backoff, Retry-After). */
  readonly timers: number[] = [];
  loginCodes = 0;
  /** How far this phone's clock is off the world's (ms; negative: behind). */
  clockOffsetMs = 0;

  constructor(
    private readonly build: vm.Script,
    private readonly net: Network,
    private readonly wechat: WechatStandIn,
    /** Who is signed in to WeChat on this phone. */
    public user: WechatUser,
  ) {}

  /** An app start: the build evaluated afresh, over this phone's storage. */
  start(): MiniprogramKit {
    const module = { exports: {} as Record<string, unknown> };
    const sandbox = {
      wx: this.wx(),
      setTimeout: (fn: () => void, ms = 0) => {
        this.timers.push(ms);
        if (ms > 0) jest.setSystemTime(Date.now() + ms);
        return setTimeout(fn, 0);
      },
      clearTimeout,
      console,
      // The device clock is the test's clock (see above), off by `clockOffsetMs`; every other
      // global is the context's own.
      Date: this.clockOffsetMs === 0 ? Date : offsetDate(this.clockOffsetMs),
      module,
      exports: module.exports,
    };
    this.build.runInNewContext(sandbox);
    return module.exports as unknown as MiniprogramKit;
  }

  /** A copy of this phone's storage on another phone (a restored backup, a shared device). */
  cloneTo(other: Device): void {
    for (const [k, v] of this.storage) other.storage.set(k, v);
  }

  ops(): string[] {
    return this.requests.map((r) => r.op);
  }

  private wx() {
    const { net, storage } = this;
    return {
      request: (o: {
        url: string;
        method: string;
        header: Record<string, string>;
        data: string;
        dataType: string;
        success(res: { statusCode: number; header: Record<string, string>; data: string }): void;
        fail(err: { errMsg: string }): void;
      }) => {
        if (typeof o.data !== "string" || o.dataType === "json")
          throw new Error("the kit must send and read text");
        const m = /^https:\/\/([^/:?#]+)(\/[^#]*)?$/.exec(o.url);
        const host = m?.[1];
        const to = host === undefined ? undefined : net.hosts.get(host);
        if (host === undefined || !net.allowList.has(host) || to === undefined) {
          setTimeout(() => o.fail({ errMsg: "request:fail url not in domain list" }), 0);
          return;
        }
        const target = o.header["x-amz-target"]?.replace(/^AWSCognitoIdentityService\./, "");
        const action = /(?:^|&)Action=(\w+)/.exec(o.data)?.[1];
        const op = target ?? action ?? `${o.method} ${m?.[2] ?? "/"}`;
        const [hostname, port] = to.split(":");
        const req = request(
          {
            hostname,
            port: Number(port),
            method: o.method,
            path: m?.[2] ?? "/",
            headers: { ...o.header, host },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => {
              this.requests.push({ url: o.url, op, status: res.statusCode ?? 0 });
              o.success({
                statusCode: res.statusCode ?? 0,
                // wx hands header names back as the server spelled them.
                header: Object.fromEntries(
                  Object.entries(res.headers).map(([k, v]) => [
                    k.replace(/(^|-)./g, (c) => c.toUpperCase()),
                    String(v),
                  ]),
                ),
                data: Buffer.concat(chunks).toString("utf8"),
              });
            });
          },
        );
        req.on("error", (e) => o.fail({ errMsg: `request:fail ${e.message}` }));
        req.end(o.data);
      },
      getStorageSync: (k: string) => storage.get(k) ?? "",
      setStorageSync: (k: string, v: string) => void storage.set(k, v),
      removeStorageSync: (k: string) => void storage.delete(k),
      login: (o: { success(r: { code: string }): void }) => {
        this.loginCodes++;
        setTimeout(() => o.success({ code: this.wechat.mint(this.user) }), 0);
      },
    };
  }
}

/** `Date`, `offsetMs` off the test's clock (a phone whose clock is wrong). */
function offsetDate(offsetMs: number): DateConstructor {
  class PhoneDate extends Date {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(Date.now() + offsetMs);
      else super(...(args as [number]));
    }
    static override now(): number {
      return Date.now() + offsetMs;
    }
  }
  return PhoneDate as unknown as DateConstructor;
}
