import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { envSchema } from "~/app/config/env.server";

/** docs/configuration.md and .env.example must name every variable the configuration schema accepts. */
describe("configuration docs", () => {
  const variables = Object.keys(envSchema.shape);
  const configuration = readFileSync("docs/configuration.md", "utf8");
  const example = readFileSync(".env.example", "utf8");

  it("docs/configuration.md's table lists every variable", () => {
    const missing = variables.filter((name) => !configuration.includes(`| \`${name}\``));
    expect(missing).toEqual([]);
  });

  it(".env.example lists every variable", () => {
    const missing = variables.filter((name) => !new RegExp(`^#?\\s*${name}=`, "m").test(example));
    expect(missing).toEqual([]);
  });
});

/** The README is the front door (issue 20): it links every topic page. */
describe("the README", () => {
  const readme = readFileSync("README.md", "utf8");

  it("links the topic pages", () => {
    for (const page of [
      "docs/configuration.md",
      "docs/operations.md",
      "docs/security.md",
      "docs/performance.md",
      "docs/sandbox/README.md",
      "docs/product/README.md",
    ]) {
      expect(readme, page).toContain(`](${page})`);
    }
  });
});
