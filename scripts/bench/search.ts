/**
 * `npm run bench:search -- --applications 100000[,1000000] [--json] [--samples 40]
 * [--data-dir DIR]` (issue 18, ADR 081): FlowOps' forgiving search at scale. For each size, a
 * fresh migrated database with N applications whose customers have realistic names (a few
 * hundred first and last names, skewed as real ones are: the commonest surname on ≈ 2 % of
 * rows), e-mails and random phone numbers, inserted on a synchronous connection so the search
 * triggers (migrations 0008, 0038) run as they do for the app's writes. Then `listApplications`
 * — the function the page's loader calls — is timed for searches an operator types: the last 4
 * digits of a phone, part of a surname, part of an e-mail, a full name with one typo, a common
 * surname alone, and the next page of a ranked result. p50/p95 per kind and overall (wall time,
 * and the process's CPU time: on a shared machine the load average shows in the gap), and how
 * often the sought application was on the first page (recall; a phone's last 4 digits or part of
 * a common name match many applications, of which the page shows 25).
 */
import { mkdirSync, rmSync, statSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import Sqlite from "libsql";
import { percentile as nearestRank } from "~/app/ops/dashboard";

const { values } = parseArgs({
  options: {
    applications: { type: "string", default: "100000" },
    json: { type: "boolean", default: false },
    samples: { type: "string", default: "40" },
    "data-dir": { type: "string", default: ".builds/search-bench" },
  },
});
const sizes = values.applications.split(",").map((s) => Number(s.trim()));
if (sizes.some((n) => !Number.isInteger(n) || n < 1000)) {
  throw new Error("--applications: whole numbers ≥ 1000, comma-separated");
}
const samples = Number(values.samples);
const dataRoot = resolve(values["data-dir"]);
const log = (...args: unknown[]) => {
  if (!values.json) console.log(...args);
};
const round = (value: number) => Number(value.toFixed(1));
const percentile = (list: number[], p: number) => nearestRank(list, p) ?? Number.NaN;

/** Deterministic: the same rows and the same searches on every run. */
function rng(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

const firstNames = (
  "james mary robert patricia john jennifer michael linda david elizabeth william barbara richard " +
  "susan joseph jessica thomas sarah charles karen christopher lisa daniel nancy matthew betty " +
  "anthony sandra mark margaret donald ashley steven kimberly andrew emily paul donna joshua " +
  "michelle kenneth carol kevin amanda brian melissa george deborah timothy stephanie ronald " +
  "rebecca jason sharon edward laura jeffrey cynthia ryan dorothy jacob amy gary kathleen nicholas " +
  "angela eric shirley jonathan emma stephen brenda larry pamela justin nicole scott anna brandon " +
  "samantha benjamin katherine samuel christine gregory debra alexander rachel patrick carolyn " +
  "frank janet raymond maria jack olivia dennis heather jerry helen tyler catherine aaron diane " +
  "jose julie adam victoria nathan joyce henry lauren zachary kelly douglas christina peter ruth " +
  "kyle joan noah virginia ethan judith jeremy evelyn walter hannah christian andrea keith megan " +
  "roger cheryl terry jacqueline austin madison sean teresa gerald abigail carl sophia harold " +
  "martha dylan sara arthur gloria lawrence janice jordan kathryn jesse ann bryan isabella billy " +
  "judy bruce charlotte gabriel julia joe grace logan amber alan alice juan jean albert denise " +
  "willie frances elijah danielle wayne marilyn randy natalie vincent beverly mason diana roy " +
  "brittany ralph theresa bobby kayla russell alexis bradley doris philip lori eugene tiffany"
).split(" ");
const lastStems = (
  "smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez " +
  "gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson white harris " +
  "sanchez clark ramirez lewis robinson walker young allen king wright scott torres nguyen hill " +
  "flores green adams nelson baker hall rivera campbell mitchell carter roberts gomez phillips " +
  "evans turner diaz parker cruz edwards collins reyes stewart morris morales murphy cook rogers " +
  "gutierrez ortiz morgan cooper peterson bailey reed kelly howard ramos kim cox ward richardson " +
  "watson brooks chavez wood james bennett gray mendoza ruiz hughes price alvarez castillo " +
  "sanders patel myers long ross foster jimenez powell jenkins perry russell sullivan bell coleman " +
  "butler henderson barnes gonzales fisher vasquez simmons romero jordan patterson alexander " +
  "hamilton graham reynolds griffin wallace moreno west cole hayes bryant herrera gibson ellis " +
  "tran medina aguilar stevens murray ford castro marshall owens harrison fernandez mcdonald " +
  "woods washington kennedy wells vargas henry chen freeman webb tucker guzman burns crawford " +
  "olson simpson porter hunter gordon mendez silva shaw snyder mason dixon munoz hunt hicks " +
  "holmes palmer wagner black robertson boyd rose stone salazar fox warren mills meyer rice " +
  "schmidt garza daniels ferguson nichols stephens soto weaver ryan gardner payne grant dunn"
).split(" ");
const domains = ["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com", "aol.com"];

/** Zipf-like pick: index k with weight 1/(k+1). */
function skewed(list: string[], random: () => number) {
  const h = Math.log(list.length + 1);
  return list[Math.min(list.length - 1, Math.floor(Math.exp(random() * h)) - 1)]!;
}

type Person = { id: string; first: string; last: string; email: string; phone: string };

function person(i: number, random: () => number): Person {
  const first = skewed(firstNames, random);
  // Real surnames have a long tail: a common stem, or a rarer name made from two stems.
  const last =
    random() < 0.6
      ? skewed(lastStems, random)
      : `${skewed(lastStems, random).slice(0, 4)}${lastStems[Math.floor(random() * lastStems.length)]!.slice(-4)}`;
  const digits = String(2_000_000_000 + Math.floor(random() * 7_999_999_999)).slice(0, 10);
  return {
    id: `app_${String(i).padStart(26, "0")}`,
    first: first[0]!.toUpperCase() + first.slice(1),
    last: last[0]!.toUpperCase() + last.slice(1),
    email: `${first}.${last}${Math.floor(random() * 100)}@${domains[Math.floor(random() * domains.length)]}`,
    phone: `+1${digits}`,
  };
}

async function seed(file: string, n: number) {
  const { openDatabase } = await import("~/db/client");
  const { migrateDatabase } = await import("~/db/migrate");
  const migrated = await openDatabase({ url: `file:${file}` });
  await migrateDatabase(migrated);
  migrated.close();
  const db = new Sqlite(file);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF");
  const now = Date.now();
  db.prepare(
    "INSERT INTO merchants (id, name, slug, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
  ).run("mer_bench00000000000000000000", "Bench Pest Control", "bench-pest-control", now, now);
  const customer = db.prepare(
    "INSERT INTO customers (id, merchant_id, crm_customer_id, first_name, last_name, email, phone, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
  );
  const job = db.prepare(
    "INSERT INTO service_jobs (id, merchant_id, customer_id, crm_job_id, estimate_cents, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
  );
  const application = db.prepare(
    "INSERT INTO applications (id, merchant_id, customer_id, service_job_id, crm, status, amount_cents, created_at, updated_at) VALUES (?, ?, ?, ?, 'fieldroutes', ?, ?, ?, ?)",
  );
  const random = rng(18);
  const statuses = ["link_sent", "declined", "approved", "funded", "expired"];
  const started = performance.now();
  const batch = 20_000;
  for (let start = 0; start < n; start += batch) {
    db.exec("BEGIN");
    for (let i = start; i < Math.min(n, start + batch); i++) {
      const p = person(i, random);
      const at = now - Math.floor(((n - i) / n) * 548 * 86_400_000);
      const customerId = `cus_${String(i).padStart(26, "0")}`;
      const jobId = `job_${String(i).padStart(26, "0")}`;
      const merchant = "mer_bench00000000000000000000";
      customer.run(
        customerId,
        merchant,
        `${10_000 + i}`,
        p.first,
        p.last,
        p.email,
        p.phone,
        at,
        at,
      );
      job.run(jobId, merchant, customerId, `${50_000 + i}`, 800_000, at, at);
      application.run(p.id, merchant, customerId, jobId, statuses[i % 5], 800_000, at, at);
    }
    db.exec("COMMIT");
    if (start > 0 && start % 200_000 === 0) log(`  ${start.toLocaleString("en-US")} rows …`);
  }
  db.exec("PRAGMA optimize");
  db.close();
  return (performance.now() - started) / 1000;
}

/** One typo a person makes: two neighbouring letters swapped, or one replaced. */
function misspell(word: string, random: () => number) {
  const i = 1 + Math.floor(random() * (word.length - 2));
  return random() < 0.5
    ? word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2)
    : word.slice(0, i) + (word[i] === "e" ? "a" : "e") + word.slice(i + 1);
}

async function measure(n: number) {
  const dir = join(dataRoot, `n${n}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "search.db");
  log(`seeding ${n.toLocaleString("en-US")} applications …`);
  const seedSeconds = await seed(file, n);
  log(`  seeded in ${seedSeconds.toFixed(1)} s, ${(statSync(file).size / 1e6).toFixed(0)} MB`);

  const { openDatabase } = await import("~/db/client");
  const { listApplications } = await import("~/app/ops/applications.server");
  const database = await openDatabase({ url: `file:${file}` });
  const filters = { status: null, merchantId: null, from: null, to: null, after: null };
  const random = rng(7);
  // The same people the seed made (same generator, same order).
  const people: Person[] = [];
  const again = rng(18);
  for (let i = 0; i < n; i++) people.push(person(i, again));
  const kinds: Record<string, (p: Person) => string> = {
    "phone last 4": (p) => p.phone.slice(-4),
    "part of surname": (p) => p.last.slice(1, Math.min(p.last.length, 6)),
    "part of e-mail": (p) => p.email.slice(0, p.email.indexOf("@")).slice(-7),
    "name with a typo": (p) => `${p.first} ${misspell(p.last.toLowerCase(), random)}`,
    "common surname": () => "Smith",
    "full phone": (p) => `(${p.phone.slice(2, 5)}) ${p.phone.slice(5, 8)}-${p.phone.slice(8)}`,
  };
  const results: Record<string, { p50: number; p95: number; cpuP95: number; recall: number }> = {};
  const all: number[] = [];
  const allCpu: number[] = [];
  /** Wall time, and the process's CPU time (the machine may be shared: load shows in the gap). */
  const timed = async <T>(work: () => Promise<T>) => {
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    const result = await work();
    const cpu = process.cpuUsage(cpu0);
    return { result, ms: performance.now() - started, cpuMs: (cpu.user + cpu.system) / 1000 };
  };
  // Warm the page cache as a running server's would be.
  await listApplications(database, { ...filters, q: "warm" });
  for (const [kind, query] of Object.entries(kinds)) {
    const times: number[] = [];
    const cpuTimes: number[] = [];
    let found = 0;
    for (let s = 0; s < samples; s++) {
      const p = people[Math.floor(random() * n)]!;
      const q = query(p);
      const first = await timed(() => listApplications(database, { ...filters, q }));
      times.push(first.ms);
      cpuTimes.push(first.cpuMs);
      if (first.result.rows.some((row) => row.id === p.id)) found++;
      const next = first.result.next;
      if (kind === "common surname" && next) {
        const second = await timed(() =>
          listApplications(database, { ...filters, q, after: next }),
        );
        times.push(second.ms);
        cpuTimes.push(second.cpuMs);
      }
    }
    all.push(...times);
    allCpu.push(...cpuTimes);
    results[kind] = {
      p50: round(percentile(times, 50)),
      p95: round(percentile(times, 95)),
      cpuP95: round(percentile(cpuTimes, 95)),
      recall: round((found / samples) * 100),
    };
    log(
      `  ${kind.padEnd(18)} p50 ${results[kind]!.p50} ms  p95 ${results[kind]!.p95} ms (CPU p95 ${results[kind]!.cpuP95} ms)  sought row on page 1: ${results[kind]!.recall} %`,
    );
  }
  database.close();
  const overall = {
    p50: round(percentile(all, 50)),
    p95: round(percentile(all, 95)),
    cpuP95: round(percentile(allCpu, 95)),
    loadAverage: round(loadavg()[0]!),
  };
  log(
    `  all searches: p50 ${overall.p50} ms, p95 ${overall.p95} ms, CPU p95 ${overall.cpuP95} ms (${all.length} searches, load average ${overall.loadAverage} on ${cpus().length} cores)`,
  );
  return {
    applications: n,
    seedSeconds: round(seedSeconds),
    bytes: statSync(file).size,
    overall,
    kinds: results,
  };
}

const report = { samples, sizes: [] as Awaited<ReturnType<typeof measure>>[] };
for (const n of sizes) report.sizes.push(await measure(n));
if (values.json) console.log(JSON.stringify(report, null, 2));
