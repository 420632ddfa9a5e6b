import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Every document a code comment cites must be in the repository (issue 20): a reader who clones
 * it can follow `docs/product/api.md, "Errors"` but not a file on someone else's machine. A
 * citation is a `….md` word inside a comment; it resolves from the repository root (`docs/…`) or,
 * when it starts with `./` or `../`, from the citing file's folder.
 */
const root = resolve(".");
const folders = ["app", "db", "jobs", "adapters", "scripts", "e2e"];
const sourceFile = /\.(ts|tsx|js|mjs|cjs)$/;

function sourceFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (name === "node_modules" || name.startsWith(".")) return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return sourceFile.test(name) ? [path] : [];
  });
}

/** The comment text of a line: a `*`, `//` or `/*` line whole, or what follows `//` / `/*`. */
function commentText(line: string): string {
  const trimmed = line.trimStart();
  if (/^(\*|\/\/|\/\*)/.test(trimmed)) return trimmed;
  const inline = line.match(/(?:^|\s)(\/\/|\/\*)(.*)$/);
  return inline?.[2] ?? "";
}

function citedDocuments(comment: string): string[] {
  return [...comment.matchAll(/(?:^|[\s(`"'[])((?:\.{1,2}\/)?[A-Za-z0-9_][\w./-]*\.md)\b/g)].map(
    (m) => m[1]!,
  );
}

function resolveCitation(file: string, citation: string) {
  return citation.startsWith(".") ? resolve(dirname(file), citation) : resolve(root, citation);
}

describe("documents cited in code comments", () => {
  it("finds a citation in a comment and not in code", () => {
    expect(
      citedDocuments(commentText(' * the error table (docs/product/api.md, "Errors")')),
    ).toEqual(["docs/product/api.md"]);
    expect(citedDocuments(commentText("  /" + "/ lending.md says so"))).toEqual(["lending.md"]);
    expect(citedDocuments(commentText('const doc = "README.md";'))).toEqual([]);
  });

  it("every one resolves to a file inside the repository", () => {
    const broken: string[] = [];
    let citations = 0;
    for (const file of folders.flatMap(sourceFiles)) {
      readFileSync(file, "utf8")
        .split("\n")
        .forEach((line, index) => {
          for (const citation of citedDocuments(commentText(line))) {
            citations++;
            const target = resolveCitation(file, citation);
            const inside = !relative(root, target).startsWith("..");
            if (!inside || !existsSync(target)) broken.push(`${file}:${index + 1}: ${citation}`);
          }
        });
    }
    expect(broken).toEqual([]);
    // The walk found the citations that exist (dozens), so an empty list above means something.
    expect(citations).toBeGreaterThan(20);
  });
});
