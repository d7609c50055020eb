/**
 * Docs consistency: each fact is written once and linked to, so what links, lists and counts say
 * must match the tree. Checks README.md, docs/*.md and every folder README.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { COGNITO_RATE_QUOTAS } from "../../core/quotas";
import { allRules } from "../../policies/rules";
import { toAppConfig } from "../../scripts/appConfig";
import { committed } from "../support/stacks";

const ROOT = path.resolve(__dirname, "../..");

/** Never part of the tree a reader sees: dependencies, VCS, build and plan output. */
const SKIPPED_DIRS = new Set([".git", "node_modules", "dist", "plan", "coverage"]);

/**
 * Paths that other branches of the current change deliver (client kit, generated config table).
 * Until they land, links to them and the folder map entries are not resolved; once one exists the
 * first test fails so that it is removed from this list and checked like everything else.
 */
const ARRIVING: string[] = [];

const read = (rel: string): string => readFileSync(path.join(ROOT, rel), "utf8");
const exists = (rel: string): boolean => existsSync(path.join(ROOT, rel));
const arriving = (rel: string): boolean =>
  ARRIVING.some((a) => rel === a || rel.startsWith(`${a}/`));

function walk(dir = ""): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    if (SKIPPED_DIRS.has(entry.name)) continue;
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...walk(rel));
    else out.push(rel);
  }
  return out;
}

const FILES = walk();
const MARKDOWN = FILES.filter(
  (f) =>
    f === "README.md" ||
    (f.startsWith("docs/") && f.endsWith(".md")) ||
    path.posix.basename(f) === "README.md",
);

/** Markdown without fenced code blocks and inline code spans (their "links" are not links). */
function prose(md: string): string {
  return md.replace(/^```[^\n]*\n[\s\S]*?^```[ \t]*$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, -N for repeats. */
function anchorsOf(md: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of md.replace(/^```[^\n]*\n[\s\S]*?^```[ \t]*$/gm, "").split("\n")) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = (m[1] ?? "")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Inline links `[text](target)` whose target is inside the repository. */
function relativeLinks(md: string): string[] {
  const out: string[] = [];
  for (const m of prose(md).matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1] ?? "";
    if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) out.push(target);
  }
  return out;
}

/** The body of a `## <title>` section, up to the next `## ` heading. */
function section(md: string, title: string): string {
  const start = md.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README.md has no "## ${title}" section`);
  const rest = md.slice(start + title.length + 5);
  const end = rest.search(/^## /m);
  return end < 0 ? rest : rest.slice(0, end);
}

const NUMBER_WORDS = [
  "zero",
  "one",
  "two",
  "three",
  "four",
  "five",
  "six",
  "seven",
  "eight",
  "nine",
  "ten",
  "eleven",
  "twelve",
  "thirteen",
  "fourteen",
  "fifteen",
  "sixteen",
  "seventeen",
  "eighteen",
  "nineteen",
  "twenty",
];

/** Every rule count written in a text ("13 mandatory rules", "nine rules", "twelve policy rules"). */
function ruleCounts(text: string): number[] {
  const re = new RegExp(
    `\\b(\\d+|${NUMBER_WORDS.join("|")})\\s+(?:(?:mandatory|policy|crossguard|pack)\\s+)?rules\\b`,
    "gi",
  );
  return [...text.matchAll(re)].map(([, n = ""]) =>
    /^\d+$/.test(n) ? Number(n) : NUMBER_WORDS.indexOf(n.toLowerCase()),
  );
}

describe("docs", () => {
  it("lists only paths that have not landed yet as arriving", () => {
    const landed = ARRIVING.filter(exists);
    expect(landed).toEqual([]); // landed: delete these from ARRIVING in tests/docs/docs.test.ts
  });

  it("finds the markdown it checks", () => {
    expect(MARKDOWN).toEqual(
      expect.arrayContaining(["README.md", "docs/cognito.md", "docs/aws-china.md"]),
    );
    expect(MARKDOWN).toEqual(expect.arrayContaining(["functions/README.md", "policies/README.md"]));
  });

  it.each(MARKDOWN)("%s: every relative link resolves to a file and heading", (file) => {
    const md = read(file);
    const broken: string[] = [];
    for (const link of relativeLinks(md)) {
      const [target, anchor] = link.split("#", 2);
      const rel = target
        ? path.posix.normalize(path.posix.join(path.posix.dirname(file), target))
        : file;
      if (rel.startsWith("..")) {
        broken.push(`${link} (outside the repository)`);
        continue;
      }
      if (arriving(rel)) continue;
      if (!exists(rel)) {
        broken.push(`${link} (no such file)`);
        continue;
      }
      if (anchor === undefined) continue;
      if (!rel.endsWith(".md") || !anchorsOf(read(rel)).has(anchor)) {
        broken.push(`${link} (no heading #${anchor} in ${rel})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("every docs/ page that source comments cite exists", () => {
    const cited = new Set<string>();
    for (const f of FILES.filter((x) => /\.(ts|mjs|js|yaml)$/.test(x) || x === ".ci/run")) {
      for (const m of read(f).matchAll(/\bdocs\/([\w-]+\.md)/g)) cited.add(`docs/${m[1]}`);
    }
    expect(cited.size).toBeGreaterThan(0);
    expect([...cited].filter((d) => !arriving(d) && !exists(d))).toEqual([]);
  });

  it('every cited docs section exists: `docs/<page>.md, "<heading>"` names a heading', () => {
    // A citation may wrap inside a comment, between the page and the heading or inside it.
    const citation = /\bdocs\/([\w-]+\.md),\s*(?:(?:\*|\/\/|#)\s*)*"([^"]+)"/g;
    const headings = (page: string) =>
      read(page)
        .split("\n")
        .filter((l) => /^#{1,6}\s/.test(l))
        .map((l) => l.replace(/^#+\s*/, "").trim());
    const broken: string[] = [];
    let count = 0;
    const sources = FILES.filter(
      (x) => (/\.(ts|mjs|cjs|js|yaml|md)$/.test(x) && !x.startsWith("tests/")) || x === ".ci/run",
    );
    for (const f of sources) {
      for (const m of read(f).matchAll(citation)) {
        const page = `docs/${m[1]}`;
        const title = (m[2] ?? "").replace(/\s*\n\s*(?:\*|\/\/|#)?\s*/g, " ").trim();
        count++;
        if (arriving(page)) continue;
        if (!exists(page) || !headings(page).includes(title)) {
          broken.push(`${f}: ${page}, "${title}"`);
        }
      }
    }
    expect(count).toBeGreaterThan(10);
    expect(broken).toEqual([]);
  });

  describe("README architecture", () => {
    const arch = section(read("README.md"), "Architecture");
    const listed = [...arch.matchAll(/^\|\s*`([^`]+)`\s*\|/gm)].map((m) => m[1] ?? "");

    it("maps every top-level folder", () => {
      const folders = readdirSync(ROOT, { withFileTypes: true })
        .filter((e) => e.isDirectory() && !SKIPPED_DIRS.has(e.name))
        .map((e) => `${e.name}/`);
      expect(folders.length).toBeGreaterThan(5);
      expect(folders.filter((f) => !listed.includes(f))).toEqual([]);
    });

    it("names only paths that exist", () => {
      expect(listed.length).toBeGreaterThan(5);
      const missing = listed.filter((p) => {
        const rel = p.replace(/\/$/, "");
        if (arriving(rel)) return false;
        return !exists(rel) || statSync(path.join(ROOT, rel)).isDirectory() !== p.endsWith("/");
      });
      expect(missing).toEqual([]);
    });

    it("gives each entry one line", () => {
      const rows = arch.split("\n").filter((l) => /^\|\s*`/.test(l));
      expect(rows).toHaveLength(listed.length);
      expect(new Set(listed).size).toBe(listed.length);
    });
  });

  it("README's China app config example is the committed China stack's app config", async () => {
    const china = section(read("README.md"), "AWS China");
    const json = /^```json\n([\s\S]*?)^```/m.exec(china)?.[1];
    expect(json).toBeDefined();
    const synth = await committed("cn-north-1");
    expect(JSON.parse(json as string)).toEqual(toAppConfig("cn-north-1", synth.outputs));
    expect(china).toContain("`loginAuth: none`");
  });

  it("README's quick start is exactly the two commands", () => {
    const quick = section(read("README.md"), "Quick start");
    const commands = [...quick.matchAll(/^```[^\n]*\n([\s\S]*?)^```/gm)]
      .flatMap((m) => (m[1] ?? "").split("\n"))
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"));
    expect(commands).toEqual(["npm install && npm run plan", "npm test"]);
  });

  describe("rule counts", () => {
    it("recognises a written count", () => {
      expect(ruleCounts("a pack of nine mandatory rules, 13 rules, one rule per module")).toEqual([
        9, 13,
      ]);
    });

    it.each(["README.md", "policies/README.md"])("%s: any rule count equals allRules", (f) => {
      for (const n of ruleCounts(prose(read(f)))) expect(n).toBe(allRules.length);
    });
  });

  it("no file refers to notes outside the repository", () => {
    const needles = ["FIELD" + "-NOTES", ".." + "/shared/"];
    const hits = FILES.filter((f) => f !== "package-lock.json")
      .filter((f) => {
        const text = readFileSync(path.join(ROOT, f));
        return needles.some((n) => text.includes(n));
      })
      .sort();
    expect(hits).toEqual([]);
  });

  it("docs/guest-signing.md: the cost table is computed from the quotas", () => {
    const md = read("docs/guest-signing.md");
    const marker = /<!-- guest-cost: peakHourShare=([\d.]+) -->/.exec(md);
    expect(marker).not.toBeNull();
    const share = Number(marker![1]);
    const rows = md
      .slice(marker!.index)
      .split("\n")
      .filter((l) => /^\|\s*[\d,]+\s*\|/.test(l))
      .map((l) =>
        l
          .split("|")
          .slice(1, -1)
          .map((c) => c.trim()),
      );
    expect(rows.length).toBeGreaterThanOrEqual(3);
    const int = (n: number) => n.toLocaleString("en-US");
    const pct = (rate: number, quota: number) => `${((rate / quota) * 100).toFixed(1)} %`;
    for (const [perDay = "", ...cells] of rows) {
      const n = Number(perDay.replace(/,/g, ""));
      const peak = (n * share) / 3600;
      expect(cells).toEqual([
        int(n * 365),
        peak.toFixed(2),
        pct(peak, COGNITO_RATE_QUOTAS.GetId),
        pct(peak, COGNITO_RATE_QUOTAS.GetOpenIdTokenForDeveloperIdentity),
        int(Math.ceil(n / 60)), // DeleteIdentities takes 1 to 60 identity ids per call
      ]);
    }
  });
});
