/**
 * The config keys and their secret paths, from the table alone: readable without the Pulumi SDK
 * (the offline plan reads a stack file, and answers a bad one, before it loads the SDK).
 */
import { secretLeaves } from "./read";
import type { Setting } from "./setting";
import { TABLE, type ConfigKey } from "./table";

/** Every config key of this project, in the table's order. */
export const CONFIG_KEYS = Object.keys(TABLE) as ConfigKey[];

/** A row, seen through the common row type. */
export const rowOf = (key: ConfigKey): Setting<unknown> => TABLE[key];

/**
 * Secret config paths: the plan substitutes a marked placeholder when one is not set. `list`: the
 * field of each item of a list (`wechatApps[i].appSecret`), else of the object.
 */
export const SECRET_CONFIG: readonly { key: string; path: string; what: string; list: boolean }[] =
  CONFIG_KEYS.flatMap((key) =>
    secretLeaves(rowOf(key)).map((path) => ({
      key,
      path,
      what: rowOf(key).leaves?.[path]?.secret?.what ?? path,
      list: rowOf(key).type === "list",
    })),
  );
