import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { allRules } from "../../policies/rules";
import { runPolicies } from "../../policies/rules/run";
import { both, happyStack } from "./fixtures";

describe("the pack", () => {
  it.each(both)("passes every rule in %s", (partition) => {
    expect(runPolicies(happyStack(partition))).toEqual([]);
  });

  it("exports nineteen rules, all mandatory but the guest advisory, with one-line descriptions", () => {
    expect(allRules.map((r) => r.name)).toEqual([
      "cognito-trust-policy",
      "no-wildcard-iam",
      "arn-partition",
      "identity-resources-protected",
      "no-secret-in-lambda-env",
      "log-retention",
      "lambda-runtime-supported",
      "http-api-throttling",
      "china-public-route",
      "cognito-role-attachment",
      "no-managed-policy-attachments",
      "lambda-permission-source-arn",
      "http-api-access-logs",
      "cognito-roles-no-identity-admin",
      "per-identity-grants",
      "cognito-role-boundary",
      "guest-session-policy",
      "account-route-iam",
      "lambda-secrets-of-stack",
    ]);
    for (const rule of allRules) {
      expect(rule.enforcementLevel).toBe(
        rule.name === "guest-session-policy" ? "advisory" : "mandatory",
      );
      expect(rule.description).not.toMatch(/\n/);
    }
  });

  it("documents every rule, in order, in policies/README.md, all mandatory", () => {
    const readme = readFileSync(path.join(__dirname, "../../policies/README.md"), "utf8");
    const documented = [...readme.matchAll(/^\| `([a-z-]+)`( \(stack\))? +\|/gm)].map((m) => m[1]);
    expect(documented).toEqual(allRules.map((r) => r.name));
    // The table is the list; no hand-written count to go stale (tests/docs checks any count).
    // Every rule is mandatory except the advisory ones README names as such.
    const advisory = allRules.filter((r) => r.enforcementLevel !== "mandatory");
    expect(advisory.every((r) => r.enforcementLevel === "advisory")).toBe(true);
    expect(readme).toContain(
      `Every rule is \`mandatory\` except ${advisory.map((r) => `\`${r.name}\``).join(", ")}`,
    );
  });

  it("imports nothing of the project but core/", () => {
    const dir = path.join(__dirname, "../../policies");
    const rules = readdirSync(path.join(dir, "rules")).filter((f) => f.endsWith(".ts"));
    const files = ["index.ts", ...rules.map((f) => `rules/${f}`)];
    for (const file of files) {
      const source = readFileSync(path.join(dir, file), "utf8");
      for (const [, spec] of source.matchAll(/from "([^"]+)"/g)) {
        if (!spec?.startsWith(".")) continue;
        const resolved = path.relative(
          path.join(__dirname, "../.."),
          path.join(dir, file, "..", spec),
        );
        expect([file, resolved.split(path.sep)[0]]).toEqual([
          file,
          expect.stringMatching(/^(policies|core)$/),
        ]);
      }
    }
  });
});
