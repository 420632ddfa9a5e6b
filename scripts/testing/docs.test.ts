import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { envSchema } from "../../app/config/env.server";

/** The README and .env.example must name every variable the configuration schema accepts. */
describe("configuration docs", () => {
  const variables = Object.keys(envSchema.shape);
  const readme = readFileSync("README.md", "utf8");
  const example = readFileSync(".env.example", "utf8");

  it("the README's configuration table lists every variable", () => {
    const missing = variables.filter((name) => !readme.includes(`| \`${name}\``));
    expect(missing).toEqual([]);
  });

  it(".env.example lists every variable", () => {
    const missing = variables.filter((name) => !new RegExp(`^#?\\s*${name}=`, "m").test(example));
    expect(missing).toEqual([]);
  });
});
