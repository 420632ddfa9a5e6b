import {
  discardDeadJob,
  listDeadJobs,
  queueStats,
  retryDeadJob,
  type DeadJob,
} from "~/jobs/admin.server";
import { assertPartnersConfigured } from "~/app/config/env.server";
import { startJobRunner } from "~/jobs/start.server";
import {
  defineGroup,
  expectPositionals,
  integerOption,
  parseCommandArgs,
  table,
  UsageError,
} from "./registry";

const deadActions = ["list", "retry", "discard"] as const;

function jobId(raw: string | undefined): number {
  if (!raw || !/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw)) || Number(raw) < 1) {
    throw new UsageError(`<id> must be a job id (a positive whole number), got "${raw ?? ""}"`);
  }
  return Number(raw);
}

const when = (ms: number) => new Date(ms).toISOString();

function deadJobText(job: DeadJob) {
  const key = job.key ? `  key ${job.key}` : "";
  const payload = job.payload === undefined ? "" : `\n      payload ${JSON.stringify(job.payload)}`;
  return (
    `  #${job.id}  ${job.kind}  ${job.attempts}/${job.maxAttempts} attempts  died ${when(job.diedAt)}${key}\n` +
    `      ${job.lastError ?? "(no error recorded)"}${payload}`
  );
}

export default defineGroup({
  name: "jobs",
  summary: "The job queue (outbox): a worker process, statistics and dead letters",
  commands: [
    {
      name: "work",
      summary: "Run the job runner in this process until SIGTERM/SIGINT (a worker process)",
      usage: "[--for <seconds>]",
      details: [
        "Runs every job kind, exactly as a server with JOBS_ENABLED=true does, so web processes",
        "can run with JOBS_ENABLED=false and leave texts, decisions and CRM syncs to this worker",
        "(several processes may share one database file; each claims jobs atomically). On",
        "SIGTERM or SIGINT it stops claiming, lets running jobs finish (SHUTDOWN_GRACE_MS) and",
        "exits. `--for N` stops after N seconds.",
      ].join("\n"),
      async run(args, ctx) {
        const { values } = parseCommandArgs(args, { options: { for: { type: "string" } } });
        const seconds = integerOption("for", values.for, 1, 31_536_000);
        // A worker sends the texts and e-mails: in production its partners must be live or named (ADR 029).
        assertPartnersConfigured(ctx.env);
        const runner = startJobRunner(await ctx.database(), ctx.env);
        if (!ctx.json) console.error("Job runner started; SIGTERM or Ctrl-C stops it.");
        const startedAt = Date.now();
        let timer: NodeJS.Timeout | undefined;
        const signal = await new Promise<string>((resolve) => {
          const stopOn = (name: string) => () => resolve(name);
          process.once("SIGTERM", stopOn("SIGTERM"));
          process.once("SIGINT", stopOn("SIGINT"));
          if (seconds !== undefined) timer = setTimeout(() => resolve("time"), seconds * 1000);
        });
        clearTimeout(timer);
        await runner.stop({ graceMs: ctx.env.SHUTDOWN_GRACE_MS });
        const ranSeconds = Math.round((Date.now() - startedAt) / 1000);
        return {
          json: { stopped: true, reason: signal, ran_seconds: ranSeconds },
          text: `Job runner stopped (${signal === "time" ? "time is up" : signal}) after ${ranSeconds} s.`,
        };
      },
    },
    {
      name: "stats",
      summary: "Jobs per kind and state, and how long the oldest ready job has waited",
      async run(args, ctx) {
        parseCommandArgs(args, {});
        const stats = await queueStats(await ctx.database());
        const header = ["kind", "pending", "ready", "running", "dead", "completed"];
        const rows = [
          ...stats.kinds.map((k) => [k.kind, k.pending, k.ready, k.running, k.dead, k.completed]),
          ["total", ...Object.values(stats.totals)],
        ].map((row) => row.map(String));
        const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
        const line = (cells: string[]) =>
          `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")}`;
        return {
          json: { ...stats },
          text: [
            line(header),
            ...rows.map(line),
            "",
            `Oldest ready job has waited ${Math.round(stats.oldestReadyMs / 1000)} s.`,
          ].join("\n"),
        };
      },
    },
    {
      name: "dead",
      summary: "Dead letters: list them, retry one (fresh attempts, due now) or discard one",
      usage:
        "list [--kind <kind>] [--limit N] [--before <id>] [--payload] | retry <id> | discard <id>",
      details: [
        "Jobs land in the dead letters after a permanent error (e.g. a partner's 4xx) or when",
        "they run out of attempts. `retry` puts one back in the queue with a fresh set of",
        "attempts; `discard` deletes it. Both are recorded in the audit log. `--payload` shows",
        "what the job carries, which may include personal data.",
      ].join("\n"),
      async run(args, ctx) {
        const { values, positionals } = parseCommandArgs(args, {
          allowPositionals: true,
          options: {
            kind: { type: "string" },
            limit: { type: "string" },
            before: { type: "string" },
            payload: { type: "boolean" },
          },
        });
        const action = positionals[0];
        if (!action || !(deadActions as readonly string[]).includes(action)) {
          throw new UsageError(`Expected ${deadActions.join("|")}, got "${action ?? ""}"`);
        }
        if (action === "list") {
          expectPositionals(positionals, ["action"]);
          const jobs = await listDeadJobs(await ctx.database(), {
            kind: values.kind,
            limit: integerOption("limit", values.limit, 1, 1000) ?? 50,
            beforeId: values.before === undefined ? undefined : jobId(values.before),
            includePayload: values.payload === true,
          });
          return {
            json: { jobs },
            text:
              jobs.length === 0
                ? "No dead jobs."
                : [`${jobs.length} dead job${jobs.length === 1 ? "" : "s"}, newest first:`]
                    .concat(jobs.map(deadJobText))
                    .join("\n"),
          };
        }
        if (values.kind || values.limit || values.before || values.payload) {
          throw new UsageError(`--kind, --limit, --before and --payload go with "dead list" only`);
        }
        const [, raw] = expectPositionals(positionals, ["action", "id"]);
        const id = jobId(raw);
        const database = await ctx.database();
        if (action === "retry") {
          const job = await retryDeadJob(database, id, ctx.actor);
          return {
            json: { retried: job },
            text: [`Job #${id} is back in the queue.`, table([["kind", job.kind]])].join("\n"),
          };
        }
        const job = await discardDeadJob(database, id, ctx.actor);
        return {
          json: { discarded: job },
          text: [`Job #${id} discarded.`, table([["kind", job.kind]])].join("\n"),
        };
      },
    },
  ],
});
