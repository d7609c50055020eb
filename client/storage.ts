/**
 * The storage port: synchronous string get/set/remove (wx.*StorageSync and localStorage are
 * synchronous). A storage that throws (full, disabled) never breaks sign-in: the kit keeps its
 * session in memory and tries again at the next change.
 */
export interface KitStorage {
  get(key: string): string | null | undefined;
  set(key: string, value: string): void;
  remove(key: string): void;
}

export function memoryStorage(): KitStorage {
  const map = new Map<string, string>();
  return {
    get: (k) => map.get(k),
    set: (k, v) => void map.set(k, v),
    remove: (k) => void map.delete(k),
  };
}

/** The Web Storage API (`window.localStorage`). */
export function webStorage(store: {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}): KitStorage {
  return {
    get: (k) => store.getItem(k),
    set: (k, v) => store.setItem(k, v),
    remove: (k) => store.removeItem(k),
  };
}

export interface WxStorageApi {
  getStorageSync(key: string): unknown;
  setStorageSync(key: string, value: string): void;
  removeStorageSync(key: string): void;
}

/** Mini-program storage. `getStorageSync` answers "" for a missing key. */
export function wxStorage(wx: WxStorageApi): KitStorage {
  return {
    get: (k) => {
      const v = wx.getStorageSync(k);
      return typeof v === "string" && v !== "" ? v : undefined;
    },
    set: (k, v) => wx.setStorageSync(k, v),
    remove: (k) => wx.removeStorageSync(k),
  };
}
