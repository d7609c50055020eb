/**
 * The needles that occur in any of the texts, each once, in the needles' order: what
 * `expect(text).not.toContain(needle)` over every pair checks, as one assertion
 * (`expect(occurring(texts, secrets)).toEqual([])`), so a scan of every log line against every
 * token issued costs one native search per needle instead of an `expect` per pair
 * (docs/testing.md, "Keeping the suite fast"). The texts are joined by a NUL, and a needle
 * holding one is looked up text by text, so no match can span two texts.
 */
export function occurring(texts: string | readonly string[], needles: Iterable<string>): string[] {
  const list = typeof texts === "string" ? [texts] : texts;
  if (list.length === 0) return [];
  const joined = list.join("\u0000");
  const found = new Set<string>();
  for (const needle of needles) {
    const hit = needle.includes("\u0000")
      ? list.some((t) => t.includes(needle))
      : joined.includes(needle);
    if (hit) found.add(needle);
  }
  return [...found];
}
