/**
 * Writes docs/configuration.md from the config table (infra/config/table.ts), the one place
 * settings are defined. `npm run docs:config` after changing a setting; a test fails while the
 * committed page differs from what this produces.
 *
 *   npm run docs:config [-- --check]
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { CONFIG_KEYS, RULES, TABLE } from "../infra/config";
import type { Leaf, Setting } from "../infra/config/setting";

export const DOCS_FILE = path.resolve(__dirname, "..", "docs", "configuration.md");

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
const code = (text: string) => `\`${text}\``;

/** Display width as Prettier measures it: East Asian wide characters (ICP numbers) count two. */
function width(text: string): number {
  let w = 0;
  for (const ch of text) {
    w +=
      /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(
        ch,
      )
        ? 2
        : 1;
  }
  return w;
}

/** A Markdown table with padded columns, as Prettier writes it (so `prettier --check` passes). */
function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(3, width(h), ...rows.map((r) => width(r[i] ?? ""))));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c + " ".repeat((widths[i] ?? 0) - width(c))).join(" | ")} |`;
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

function defaultText(row: Setting<unknown>): string {
  if (row.required) return "**required**";
  if (row.defaultOf) return row.defaultOf.text;
  const d = row.default;
  if (d === undefined) return "none";
  if (typeof d === "object") return Object.keys(d as object).length === 0 ? "none" : "";
  return code(String(d));
}

function leafDefault(leaf: Leaf): string {
  if (leaf.required) return "**required**";
  return leaf.default === undefined ? "none" : code(leaf.default);
}

function settingsTable(): string[] {
  return table(
    ["Key", "Type", "Default", "Description", "Set with"],
    CONFIG_KEYS.map((key) => {
      const row: Setting<unknown> = TABLE[key];
      const secret = Object.values(row.leaves ?? {}).some((l) => l.secret)
        ? ", holds a secret"
        : "";
      return [
        code(key),
        `${row.type}${secret}`,
        cell(defaultText(row)),
        cell(row.description),
        cell(code(row.fix)),
      ];
    }),
  );
}

function fieldTables(): string[] {
  const lines: string[] = [];
  for (const key of CONFIG_KEYS) {
    const row: Setting<unknown> = TABLE[key];
    if (!row.leaves) continue;
    const where = row.type === "list" ? `${key}[<n>]` : key;
    lines.push("", `### ${code(key)}`, "", `Any other field of ${code(where)} is refused.`, "");
    lines.push(
      ...table(
        ["Field", "Type", "Default", "Description", "Set with"],
        Object.entries(row.leaves).map(([name, leaf]) => [
          code(`${where}.${name}`),
          leaf.secret ? `${leaf.type}, **secret**` : leaf.type,
          leafDefault(leaf),
          cell(leaf.description),
          cell(code(leaf.fix)),
        ]),
      ),
    );
  }
  return lines;
}

/** The page, already in the form Prettier gives it. */
export function renderConfigDocs(): string {
  return [
    "# Configuration",
    "",
    "<!-- Generated from infra/config/table.ts by `npm run docs:config`. Do not edit by hand: a",
    "test fails while this page differs from the table. -->",
    "",
    "Every setting of a stack, as its `Pulumi.<stack>.yaml` holds it under the `cognito-devauth:`",
    "namespace (plus `aws:region`: a commercial region, or `cn-north-1` for AWS China, where",
    "identity pools exist only in Beijing). Scalars are set with `pulumi config set <key> <value>`;",
    "objects, lists and maps field by field with `--path`; secrets with `--secret`. The program",
    "checks every setting before it creates anything and reports every problem at once, one line",
    "each naming the key (at any depth) and the command that fixes it. Unknown keys and fields are",
    "refused, and no error shows the value of a setting that holds a secret.",
    "",
    "## Settings",
    "",
    ...settingsTable(),
    "",
    "## Fields",
    ...fieldTables(),
    "",
    "## Rules between settings",
    "",
    ...RULES.map((rule) => `- **${rule.name}**: ${rule.doc}`),
    "",
  ].join("\n");
}

const USAGE = `Usage: npm run docs:config [-- --check]

Writes docs/configuration.md from infra/config/table.ts.
  --check   write nothing; exit 1 if the page is out of date
  --help    show this help
`;

export function main(argv: string[]): number {
  let values: { check?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { check: { type: "boolean" }, help: { type: "boolean" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}. Fix: see --help.\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const page = renderConfigDocs();
  if (values.check) {
    let current = "";
    try {
      current = readFileSync(DOCS_FILE, "utf8");
    } catch {
      // Missing: out of date.
    }
    if (current === page) return 0;
    process.stderr.write(
      "error: docs/configuration.md is out of date. Fix: npm run docs:config.\n",
    );
    return 1;
  }
  writeFileSync(DOCS_FILE, page);
  process.stdout.write(`Wrote ${path.relative(process.cwd(), DOCS_FILE)}\n`);
  return 0;
}

if (require.main === module) {
  process.exit(main(process.argv.slice(2)));
}
