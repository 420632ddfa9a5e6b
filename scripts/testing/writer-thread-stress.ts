/**
 * Drives many concurrent groups of write programs straight into the database writer thread (no
 * write queue in front, so nothing but the thread itself keeps them apart) and prints one JSON
 * line: how many groups and programs committed, and the failures' messages. Runs on Node
 * (`tsx`) and on Deno (`deno run`); db/writer.test.ts runs it on both (ADR 023).
 *
 *   tsx scripts/testing/writer-thread-stress.ts <dir> [groups] [programs per group]
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { threadRunner } from "../../db/writer";

const [dir, groupsArg = "300", perGroupArg = "4"] = process.argv.slice(2);
if (!dir) throw new Error("usage: writer-thread-stress.ts <dir> [groups] [programs per group]");
const path = join(dir, "stress.db");
const Database = createRequire(import.meta.url)("libsql");
const setup = new Database(path);
setup.exec(
  "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS stress (id INTEGER PRIMARY KEY, g INTEGER, p INTEGER)",
);
setup.close();

const runner = await threadRunner(path, 5000);
const groups = Number(groupsArg);
const perGroup = Number(perGroupArg);
const sent = Array.from({ length: groups }, (_, g) =>
  runner.group(
    Array.from({ length: perGroup }, (_, p) => ({
      steps: [
        { sql: "INSERT INTO stress (g, p) VALUES (?, ?)", args: [g, p] },
        { sql: "SELECT count(*) AS n FROM stress WHERE g = ?", args: [g], returns: true },
      ],
    })),
  ),
);
const settled = await Promise.allSettled(sent);
const failures: string[] = [];
let programs = 0;
for (const group of settled) {
  if (group.status === "rejected") failures.push(String((group.reason as Error).message));
  else
    for (const outcome of group.value) {
      if (outcome.status === "fulfilled") programs++;
      else failures.push(String((outcome.reason as Error).message));
    }
}
runner.close();
const check = new Database(path);
const rows = (check.prepare("SELECT count(*) AS n FROM stress").get() as { n: number }).n;
check.close();
console.log(
  JSON.stringify({
    groups,
    programs,
    rows,
    failures: failures.slice(0, 5),
    failed: failures.length,
  }),
);
process.exit(0);
