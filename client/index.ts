/**
 * Client kit, web and Node entry: `fetch` transport, `localStorage` when there is one (else
 * memory). Mini-programs use client/miniprogram.ts (its build: client/dist/miniprogram.js).
 */
import { DevAuthClient, type KitOptions } from "./session";
import { memoryStorage, webStorage } from "./storage";
import { fetchTransport } from "./transports";

export { DevAuthClient, type KitOptions } from "./session";
export { AuthError, isAuthError } from "./errors";
export { checkAppConfig, type AppConfig } from "./config";
export { memoryStorage, webStorage, wxStorage, type KitStorage } from "./storage";
export { fetchTransport, wxTransport } from "./transports";
export type { HttpRequest, HttpResponse, Transport } from "./http";

/** A kit for browsers and Node: `createWebClient(appConfig, { getLoginCode })`. */
export function createWebClient(config: unknown, opts: Partial<KitOptions> = {}): DevAuthClient {
  const ls = (globalThis as { localStorage?: Parameters<typeof webStorage>[0] }).localStorage;
  return new DevAuthClient(config, {
    ...opts,
    transport: opts.transport ?? fetchTransport(),
    storage: opts.storage ?? (ls ? webStorage(ls) : memoryStorage()),
  });
}
