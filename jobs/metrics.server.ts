import client from "prom-client";
import type { Database } from "~/db/client";
import { metrics } from "~/app/observability/metrics.server";
import { processSlot, singleton } from "~/app/singleton.server";

/**
 * The job runner's metrics on the process registry (/metrics): queue depth by kind and state and
 * the dead-letter count (computed from the database on each scrape), job duration, attempts by
 * outcome, claim latency, and whether this process's runner is up.
 */
export type AttemptOutcome = "completed" | "retry" | "dead" | "released";

export type JobMetrics = {
  duration: client.Histogram<"kind" | "outcome">;
  attempts: client.Counter<"kind" | "outcome">;
  claimDuration: client.Histogram;
};

type Source = { database: Database; isUp: () => boolean };
const queueSource = processSlot<Source>("jobMetricsSource");

/** Depth is read through the partial indexes: cheap however many completed rows are kept. */
const depthSql = `
  SELECT kind, 'pending' AS state, count(*) AS n FROM outbox WHERE state = 'pending' GROUP BY kind
  UNION ALL
  SELECT kind, 'running' AS state, count(*) AS n FROM outbox WHERE state = 'running' GROUP BY kind
  UNION ALL
  SELECT kind, 'dead' AS state, count(*) AS n FROM outbox WHERE state = 'dead' GROUP BY kind`;

export type DepthRow = { kind: string; state: "pending" | "running" | "dead"; n: number };

/**
 * How long the oldest *ready* job of each kind has waited (now − run_at). Depth alone cannot
 * tell a busy-but-flowing queue from a stuck one; the age can. Read through the ready index.
 */
const oldestReadySql = `
  SELECT kind, min(run_at) AS oldest FROM outbox
  WHERE state = 'pending' AND run_at <= ? GROUP BY kind`;

export type OldestReadyRow = { kind: string; ageSeconds: number };

export async function oldestReady(database: Database, now = Date.now()): Promise<OldestReadyRow[]> {
  const result = await database.client.execute({ sql: oldestReadySql, args: [now] });
  return result.rows.map((row) => ({
    kind: String(row.kind),
    ageSeconds: Math.max(0, (now - Number(row.oldest)) / 1000),
  }));
}

/** Jobs per (kind, state) that are not completed. */
export async function queueDepth(database: Database): Promise<DepthRow[]> {
  const result = await database.client.execute(depthSql);
  return result.rows.map((row) => ({
    kind: String(row.kind),
    state: String(row.state) as DepthRow["state"],
    n: Number(row.n),
  }));
}

function createJobMetrics(registry: client.Registry): JobMetrics {
  const seen = new Set<string>();
  let cached: { at: number; rows: Promise<DepthRow[]> } | undefined;
  // One query per scrape for both gauges.
  const depth = () => {
    const source = queueSource.get();
    if (!source) return Promise.resolve([]);
    if (!cached || Date.now() - cached.at > 500) {
      cached = { at: Date.now(), rows: queueDepth(source.database).catch(() => []) };
    }
    return cached.rows;
  };

  new client.Gauge({
    name: "jobs_queue_depth",
    help: "Outbox jobs by kind and state (pending, running, dead)",
    labelNames: ["kind", "state"],
    registers: [registry],
    async collect() {
      const rows = await depth();
      const current = new Set<string>();
      for (const row of rows) {
        this.set({ kind: row.kind, state: row.state }, row.n);
        current.add(`${row.kind}\u0000${row.state}`);
      }
      // A series that drops to zero reports 0 rather than disappearing.
      for (const label of seen) {
        if (current.has(label)) continue;
        const [kind, state] = label.split("\u0000");
        this.set({ kind: kind!, state: state! }, 0);
      }
      for (const label of current) seen.add(label);
    },
  });
  new client.Gauge({
    name: "jobs_dead_letter_count",
    help: "Outbox jobs in the dead letters (all kinds)",
    registers: [registry],
    async collect() {
      const rows = await depth();
      this.set(rows.filter((r) => r.state === "dead").reduce((sum, r) => sum + r.n, 0));
    },
  });
  const ageSeen = new Set<string>();
  new client.Gauge({
    name: "jobs_oldest_ready_age_seconds",
    help: "Seconds the oldest ready (due, unclaimed) job of each kind has waited",
    labelNames: ["kind"],
    registers: [registry],
    async collect() {
      const source = queueSource.get();
      const rows = source ? await oldestReady(source.database).catch(() => []) : [];
      const current = new Set(rows.map((row) => row.kind));
      for (const row of rows) this.set({ kind: row.kind }, row.ageSeconds);
      // A kind whose backlog drained reports 0 rather than its last age.
      for (const kind of ageSeen) if (!current.has(kind)) this.set({ kind }, 0);
      for (const kind of current) ageSeen.add(kind);
    },
  });
  new client.Gauge({
    name: "job_runner_up",
    help: "1 while this process's job runner is claiming jobs",
    registers: [registry],
    collect() {
      this.set(queueSource.get()?.isUp() ? 1 : 0);
    },
  });
  return {
    duration: new client.Histogram({
      name: "job_duration_seconds",
      help: "Job handler duration in seconds, by kind and outcome",
      labelNames: ["kind", "outcome"],
      buckets: [0.001, 0.005, 0.025, 0.1, 0.25, 1, 2.5, 10, 30, 60, 300],
      registers: [registry],
    }),
    attempts: new client.Counter({
      name: "job_attempts_total",
      help: "Job attempts by kind and outcome (completed, retry, dead, released)",
      labelNames: ["kind", "outcome"],
      registers: [registry],
    }),
    claimDuration: new client.Histogram({
      name: "job_claim_duration_seconds",
      help: "Duration of a claim round (queued write + claim statement) in seconds",
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
      registers: [registry],
    }),
  };
}

/** The job metrics, registered once per process on the shared registry. */
export function jobMetrics(): JobMetrics {
  return singleton("jobMetrics", () => createJobMetrics(metrics.registry));
}

/** Points the depth gauges at a database and the "up" gauge at a runner (the last one wins). */
export function watchQueue(source: Source) {
  queueSource.set(source);
}
