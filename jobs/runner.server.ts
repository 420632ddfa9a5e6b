import type { BatchResult } from "~/db/native-writer.mjs";
import type { Logger } from "pino";
import type { Database } from "~/db/client";
import { logger as rootLogger } from "~/app/observability/logger.server";
import { pruneCompletedJobs } from "./admin.server";
import { backoffMs } from "./backoff";
import { canStartWithinLease, claimWant, ewma } from "./capacity";
import {
  describeError,
  isPermanentError,
  JobInterruptedError,
  JobPayloadError,
  JobTimeoutError,
} from "./errors";
import { jobMetrics, watchQueue, type AttemptOutcome, type JobMetrics } from "./metrics.server";
import { onNudge } from "./nudge.server";
import { RateLimitGate } from "./rate-limit";
import {
  idempotencyKeyFor,
  type JobDefinition,
  type JobRegistry,
  type RegisteredJob,
} from "./registry";
import {
  byClaimOrder,
  claimStatement,
  completeStatement,
  failStatement,
  leaseHoldersStatement,
  rateLimitedClaimStatements,
  readyProbeStatement,
  reclaimFromWorkersStatement,
  reclaimStatement,
  releaseStatement,
  toClaimedJob,
  type ClaimedJob,
  type FailureUpdate,
  type Statement,
} from "./sql.server";
import { newWorkerId, workerIsDead } from "./worker-identity.server";

export type RunnerOptions = {
  database: Database;
  registry: JobRegistry;
  /**
   * Unique per runner; the fence on every completion and failure. Default
   * host:pid:start:random (worker-identity.server.ts), which lets a restarted process tell that
   * its predecessor is dead and reclaim its leases at once (ADR 071).
   */
  workerId?: string;
  /**
   * Is the worker with this id certainly dead (its leases reclaimed at the next sweep, the first
   * one at start, without waiting for them to expire)? Default: workerIsDead — a worker of this
   * host whose process is gone. Return false always to rely on lease expiry alone.
   */
  isDeadWorker?: (workerId: string) => boolean;
  /** Jobs running at once in this process (default 10). */
  concurrency?: number;
  /** Most rows one claim statement takes (default 100); see capacity.ts for the local buffer. */
  batchSize?: number;
  /** How often an idle runner looks for jobs enqueued by other processes (default 1000 ms). */
  pollIntervalMs?: number;
  /** How long a claim is valid; must exceed every kind's timeoutMs (default 5 min). */
  leaseMs?: number;
  /** How often expired leases are reclaimed (default leaseMs/4, within 1 s … 60 s). */
  sweepIntervalMs?: number;
  /** Completed jobs older than this are pruned (default 7 days; Infinity keeps them). */
  retentionMs?: number;
  /** How often to prune (default 1 h). */
  pruneIntervalMs?: number;
  /**
   * More pruning, run after the completed jobs' in the same maintenance round (the retention
   * rules, app/retention/). `stopping()` turns true when the runner is asked to stop.
   */
  maintenance?: (now: number, stopping: () => boolean) => Promise<void>;
  /** At most this much work (ms, at the observed job duration) waits in the local buffer. */
  prefetchWindowMs?: number;
  clock?: () => number;
  random?: () => number;
  logger?: Logger;
  /** Record Prometheus metrics (default true). */
  metrics?: boolean;
  /** Called after every claim (benchmarks). */
  onClaim?: (info: { claimed: number; durationMs: number }) => void;
};

export type RunnerState = "new" | "running" | "stopping" | "stopped" | "failed";

/** Leave this much of the lease unused: a job starts only if it will time out this early. */
export const leaseMarginMs = 1000;

type Active = {
  job: ClaimedJob;
  registered: RegisteredJob;
  controller: AbortController;
  timer: NodeJS.Timeout;
  startedAt: number;
};

/**
 * The in-process job runner: claims outbox rows in batches with one atomic statement, runs up
 * to `concurrency` handlers, and writes each round's completions, failures and releases in the
 * same write batch as its next claim — one transaction (one fsync) per round. Every write goes
 * through database.serialized; no transaction is open while a handler runs.
 */
export class JobRunner {
  readonly workerId: string;
  private readonly database: Database;
  private readonly registry: JobRegistry;
  private readonly concurrency: number;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly leaseMs: number;
  private readonly sweepIntervalMs: number;
  private readonly retentionMs: number;
  private readonly pruneIntervalMs: number;
  private readonly maintenance: RunnerOptions["maintenance"];
  private readonly prefetchWindowMs: number;
  private readonly clock: () => number;
  private readonly random: () => number;
  private readonly log: Logger;
  private readonly metrics: JobMetrics | undefined;
  private readonly onClaim: RunnerOptions["onClaim"];
  private readonly isDeadWorker: (workerId: string) => boolean;
  private readonly unlimitedKinds: string[];
  private readonly limitedJobs: JobDefinition[];
  private readonly gate = new RateLimitGate();

  private state: RunnerState = "new";
  private buffer: ClaimedJob[] = [];
  private readonly active = new Map<number, Active>();
  private completions: number[] = [];
  private failures: FailureUpdate[] = [];
  private releases: number[] = [];
  private woken = false;
  private moreLikely = true;
  private wakeUp: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private pruning: Promise<void> | undefined;
  private lastSweepAt = -Infinity;
  private lastPruneAt = -Infinity;
  private lastRoundAt = 0;
  private lastError: string | undefined;
  private avgDurationMs: number | undefined;

  constructor(options: RunnerOptions) {
    this.database = options.database;
    this.registry = options.registry;
    this.workerId = options.workerId ?? newWorkerId();
    this.isDeadWorker = options.isDeadWorker ?? ((id) => workerIsDead(id));
    this.concurrency = options.concurrency ?? 10;
    this.batchSize = options.batchSize ?? 100;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.leaseMs = options.leaseMs ?? 5 * 60_000;
    this.sweepIntervalMs =
      options.sweepIntervalMs ?? Math.min(60_000, Math.max(1000, Math.floor(this.leaseMs / 4)));
    this.retentionMs = options.retentionMs ?? 7 * 24 * 3600_000;
    this.pruneIntervalMs = options.pruneIntervalMs ?? 3600_000;
    this.maintenance = options.maintenance;
    this.prefetchWindowMs = options.prefetchWindowMs ?? 100;
    this.clock = options.clock ?? Date.now;
    this.random = options.random ?? Math.random;
    this.log = (options.logger ?? rootLogger).child({ component: "jobs", worker: this.workerId });
    this.metrics = options.metrics === false ? undefined : jobMetrics();
    this.onClaim = options.onClaim;

    for (const [name, value] of [
      ["concurrency", this.concurrency],
      ["batchSize", this.batchSize],
      ["pollIntervalMs", this.pollIntervalMs],
    ] as const) {
      if (!Number.isInteger(value) || value < 1)
        throw new Error(`${name} must be a positive integer`);
    }
    const jobs = this.registry.all();
    const longest = Math.max(0, ...jobs.map((j) => j.definition.timeoutMs));
    if (this.leaseMs <= longest + leaseMarginMs) {
      throw new Error(
        `leaseMs (${this.leaseMs}) must exceed the longest job timeout (${longest} ms) by more than ${leaseMarginMs} ms`,
      );
    }
    this.unlimitedKinds = jobs.filter((j) => !j.definition.rateLimit).map((j) => j.definition.kind);
    this.limitedJobs = jobs.filter((j) => j.definition.rateLimit).map((j) => j.definition);
  }

  /** Starts polling and claiming (idempotent). */
  start(): this {
    if (this.state !== "new") return this;
    this.state = "running";
    this.lastRoundAt = this.clock();
    this.unsubscribe = onNudge(() => this.nudge());
    if (this.metrics) watchQueue({ database: this.database, isUp: () => this.state === "running" });
    this.loopDone = this.loop().catch((error: unknown) => {
      this.state = "failed";
      this.lastError = describeError(error);
      this.log.error({ err: error }, "job runner stopped after an unexpected error");
    });
    this.log.info(
      { kinds: this.registry.all().map((j) => j.definition.kind), concurrency: this.concurrency },
      "job runner started",
    );
    return this;
  }

  /** Something was enqueued: look for work now rather than at the next poll. */
  nudge() {
    this.moreLikely = true;
    this.wake();
  }

  get status() {
    return {
      state: this.state,
      workerId: this.workerId,
      running: this.active.size,
      buffered: this.buffer.length,
      lastRoundAt: this.lastRoundAt,
      lastError: this.lastError,
    };
  }

  /** For /ready: fails once the runner has stopped, or when its rounds have kept failing. */
  readiness(): { ok: boolean; detail?: string } {
    if (this.state !== "running") {
      return {
        ok: false,
        detail: `job runner ${this.state}${this.lastError ? `: ${this.lastError}` : ""}`,
      };
    }
    const staleMs = Math.max(30_000, 10 * this.pollIntervalMs);
    if (this.clock() - this.lastRoundAt > staleMs) {
      return {
        ok: false,
        detail: `no successful round for ${staleMs} ms: ${this.lastError ?? "?"}`,
      };
    }
    return { ok: true, detail: `${this.active.size} running, ${this.buffer.length} buffered` };
  }

  /**
   * Stops claiming; lets running jobs finish for up to graceMs (less a second to settle), then
   * aborts the rest and releases them — and every buffered job — for another worker, without
   * counting an attempt. Resolves once everything is written back (idempotent).
   */
  stop(options: { graceMs?: number } = {}): Promise<void> {
    this.stopping ??= this.shutdown(options.graceMs ?? 10_000);
    return this.stopping;
  }

  private async shutdown(graceMs: number) {
    if (this.state === "new") {
      this.state = "stopped";
      return;
    }
    if (this.state === "running") this.state = "stopping";
    this.unsubscribe?.();
    this.releases.push(...this.buffer.map((job) => job.id));
    this.buffer = [];
    this.wake();
    const settleMs = Math.min(1000, Math.floor(graceMs / 4));
    await this.waitForActive(graceMs - settleMs);
    if (this.active.size > 0) {
      this.log.warn({ running: this.active.size }, "aborting jobs still running at shutdown");
      for (const active of this.active.values()) {
        active.controller.abort(new JobInterruptedError("the process is shutting down"));
      }
      await this.waitForActive(settleMs);
      // Handlers that ignore their signal are given back anyway: the process is about to exit.
      for (const active of [...this.active.values()]) {
        clearTimeout(active.timer);
        this.active.delete(active.job.id);
        this.releases.push(active.job.id);
      }
    }
    this.wake();
    await this.loopDone;
    await this.pruning;
    if (this.state !== "failed") this.state = "stopped";
    this.log.info("job runner stopped");
  }

  private async waitForActive(ms: number) {
    const deadline = Date.now() + ms;
    while (this.active.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(20, Math.max(1, deadline - Date.now()))),
      );
    }
  }

  private wake() {
    this.woken = true;
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    wakeUp?.();
  }

  private waitForWake(timeoutMs: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        if (this.wakeUp === done) this.wakeUp = undefined;
        resolve();
      };
      if (timeoutMs !== undefined) timer = setTimeout(done, timeoutMs);
      this.wakeUp = done;
    });
  }

  private hasWrites() {
    return this.completions.length + this.failures.length + this.releases.length > 0;
  }

  private async loop() {
    let failedFlushes = 0;
    for (;;) {
      // Let jobs that are settling right now join this round.
      await new Promise((resolve) => setImmediate(resolve));
      this.woken = false;
      const running = this.state === "running";
      if (!running && this.active.size === 0 && !this.hasWrites()) return;
      const now = this.clock();
      let limit = running
        ? claimWant({
            concurrency: this.concurrency,
            batchSize: this.batchSize,
            running: this.active.size,
            buffered: this.buffer.length,
            avgDurationMs: this.avgDurationMs,
            prefetchWindowMs: this.prefetchWindowMs,
          })
        : 0;
      const sweep = running && now - this.lastSweepAt >= this.sweepIntervalMs;
      let claimed = 0;
      try {
        if (limit > 0 && !this.moreLikely && !(await this.anyReady(now))) limit = 0;
        const dead = sweep ? await this.deadLeaseHolders() : [];
        if (limit > 0 || sweep || this.hasWrites()) {
          claimed = await this.round(limit, sweep, dead);
        }
        this.lastRoundAt = this.clock();
        this.lastError = undefined;
        failedFlushes = 0;
      } catch (error) {
        this.lastError = describeError(error);
        this.log.warn({ err: error }, "job runner round failed; retrying");
        if (!running && ++failedFlushes >= 3) {
          this.log.error("giving up writing back jobs at shutdown; their leases will expire");
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(this.pollIntervalMs, 1000)));
        continue;
      }
      if (limit > 0) this.moreLikely = claimed >= limit;
      this.maybePrune(now);
      if (running && limit > 0 && claimed >= limit) continue;
      // Stopping: loop until written back; wait only for running jobs (each settle wakes us).
      if (!running && (this.hasWrites() || this.active.size === 0)) continue;
      if (!this.woken) await this.waitForWake(running ? this.pollIntervalMs : undefined);
    }
  }

  /**
   * A read, outside the write queue: the workers holding leases that are certainly dead — a
   * predecessor of this process killed on this host (ADR 071). Their jobs need not wait for
   * the lease to end. Never this runner itself.
   */
  private async deadLeaseHolders(): Promise<string[]> {
    const result = await this.database.client.execute(leaseHoldersStatement());
    return result.rows
      .map((row) => String(row.locked_by))
      .filter((id) => id !== this.workerId && this.isDeadWorker(id));
  }

  /** A read, outside the write queue: is anything claimable ready? */
  private async anyReady(now: number) {
    const kinds = this.claimableKinds(now);
    if (kinds.length === 0) return false;
    const result = await this.database.client.execute(readyProbeStatement(kinds, now));
    return result.rows.length > 0;
  }

  private claimableKinds(now: number) {
    return [
      ...this.unlimitedKinds,
      ...this.limitedJobs.filter((j) => this.gate.isOpen(j.kind, now)).map((j) => j.kind),
    ];
  }

  /**
   * One write batch: this round's completions, failures and releases, a lease sweep when due,
   * and the next claim. All or nothing; on failure the writes are kept for the next round.
   */
  private async round(limit: number, sweep: boolean, deadWorkers: string[] = []): Promise<number> {
    const completions = this.completions;
    const failures = this.failures;
    const releases = this.releases;
    this.completions = [];
    this.failures = [];
    this.releases = [];
    const now = this.clock();
    const statements: Statement[] = [];
    let completeAt = -1;
    let sweepAt = -1;
    const claimsAt: number[] = [];
    const usageAt: { at: number; job: JobDefinition }[] = [];

    if (completions.length > 0) {
      completeAt = statements.push(completeStatement(completions, this.workerId, now)) - 1;
    }
    for (const failure of failures) statements.push(failStatement(failure, this.workerId));
    if (releases.length > 0) {
      statements.push(
        releaseStatement(releases, this.workerId, now, "released by a stopping or busy worker"),
      );
    }
    if (sweep) sweepAt = statements.push(reclaimStatement(now)) - 1;
    // Before the claim, so the reclaimed jobs can be claimed in this very round.
    const deadAt =
      deadWorkers.length > 0
        ? statements.push(reclaimFromWorkersStatement(deadWorkers, now)) - 1
        : -1;
    if (limit > 0) {
      const args = { workerId: this.workerId, now, leaseMs: this.leaseMs, limit };
      for (const job of this.limitedJobs) {
        if (!this.gate.isOpen(job.kind, now)) continue;
        const [window, claim, usage] = rateLimitedClaimStatements(job.kind, job.rateLimit!, args);
        statements.push(window!);
        claimsAt.push(statements.push(claim!) - 1);
        usageAt.push({ at: statements.push(usage!) - 1, job });
      }
      if (this.unlimitedKinds.length > 0) {
        claimsAt.push(statements.push(claimStatement(this.unlimitedKinds, args)) - 1);
      }
    }
    if (statements.length === 0) return 0;

    const startedAt = performance.now();
    let results: BatchResult[];
    try {
      // On an embedded database, in the writer thread with its compiled statements (ADR 019).
      results = await this.database.writeBatch(statements);
    } catch (error) {
      this.completions.push(...completions);
      this.failures.push(...failures);
      this.releases.push(...releases);
      throw error;
    }
    const durationMs = performance.now() - startedAt;
    if (sweep) this.lastSweepAt = now;

    if (completeAt >= 0 && results[completeAt]!.rowsAffected < completions.length) {
      this.log.warn(
        { lost: completions.length - results[completeAt]!.rowsAffected },
        "completed jobs whose lease had passed to another worker (they may run again)",
      );
    }
    if (sweepAt >= 0 && results[sweepAt]!.rows.length > 0) {
      const rows = results[sweepAt]!.rows;
      this.log.warn(
        { reclaimed: rows.length, dead: rows.filter((r) => r.state === "dead").length },
        "reclaimed jobs whose lease expired",
      );
    }
    if (deadAt >= 0 && results[deadAt]!.rows.length > 0) {
      const rows = results[deadAt]!.rows;
      this.log.warn(
        {
          reclaimed: rows.length,
          dead: rows.filter((r) => r.state === "dead").length,
          workers: deadWorkers,
        },
        "reclaimed the jobs of dead workers on this host without waiting for their lease",
      );
    }
    for (const { at, job } of usageAt) {
      const row = results[at]!.rows[0];
      if (row) {
        this.gate.record(job.kind, job.rateLimit!, {
          windowStart: Number(row.window_start),
          used: Number(row.used),
        });
      }
    }
    if (limit === 0) return 0;

    const claimed = claimsAt.flatMap((at) => results[at]!.rows.map(toClaimedJob));
    this.metrics?.claimDuration.observe(durationMs / 1000);
    this.onClaim?.({ claimed: claimed.length, durationMs });
    if (claimed.length > 0 && this.state !== "running") {
      // stop() was called while this claim was in flight: give the jobs straight back.
      this.releases.push(...claimed.map((job) => job.id));
    } else if (claimed.length > 0) {
      const ids = new Set(claimed.map((job) => job.id));
      // A newer claim of the same row (after a lease sweep) supersedes a stale buffered one.
      this.buffer = this.buffer.filter((job) => !ids.has(job.id));
      this.buffer.push(...claimed);
      this.buffer.sort(byClaimOrder);
      this.startJobs();
    }
    return claimed.length;
  }

  private startJobs() {
    if (this.state !== "running") return;
    const now = this.clock();
    while (this.active.size < this.concurrency && this.buffer.length > 0) {
      const job = this.buffer.shift()!;
      const registered = this.registry.get(job.kind);
      if (!registered) {
        this.releases.push(job.id);
        this.wake();
        continue;
      }
      if (
        !canStartWithinLease(now, job.lockedUntil, registered.definition.timeoutMs, leaseMarginMs)
      ) {
        this.releases.push(job.id);
        this.wake();
        continue;
      }
      this.execute(job, registered);
    }
  }

  private execute(job: ClaimedJob, registered: RegisteredJob) {
    const { definition, handler } = registered;
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new JobTimeoutError(`timed out after ${definition.timeoutMs} ms`)),
      definition.timeoutMs,
    );
    const active: Active = { job, registered, controller, timer, startedAt: performance.now() };
    this.active.set(job.id, active);

    let run: Promise<void>;
    try {
      let payload: unknown;
      try {
        payload = JSON.parse(job.payload);
      } catch {
        throw new JobPayloadError("the stored payload is not valid JSON");
      }
      const parsed = definition.schema.safeParse(payload);
      if (!parsed.success) {
        throw new JobPayloadError(`payload does not match the schema: ${parsed.error.message}`);
      }
      const log = this.log;
      let jobLogger: Logger | undefined;
      const key = job.key?.startsWith(`${job.kind}:`)
        ? job.key.slice(job.kind.length + 1)
        : job.key;
      run = handler(parsed.data, {
        jobId: job.id,
        kind: job.kind,
        attempt: job.attempts,
        maxAttempts: job.maxAttempts,
        idempotencyKey: idempotencyKeyFor(job),
        key,
        signal: controller.signal,
        database: this.database,
        // Created on first use: most handlers of a busy queue never log.
        get logger() {
          return (jobLogger ??= log.child({ job: job.id, kind: job.kind, attempt: job.attempts }));
        },
      });
    } catch (error) {
      run = Promise.reject(error);
    }
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener("abort", () => reject(controller.signal.reason), {
        once: true,
      });
    });
    Promise.race([run, aborted]).then(
      () => this.settle(active, undefined),
      (error: unknown) => this.settle(active, error ?? new Error("job failed")),
    );
  }

  private settle(active: Active, error: unknown) {
    if (this.active.get(active.job.id) !== active) return; // abandoned at shutdown
    clearTimeout(active.timer);
    this.active.delete(active.job.id);
    const { job } = active;
    const durationMs = performance.now() - active.startedAt;
    this.avgDurationMs = ewma(this.avgDurationMs, durationMs);
    // After an abort, the signal's reason says why, whatever the handler threw.
    const cause =
      error !== undefined && active.controller.signal.aborted
        ? active.controller.signal.reason
        : error;
    let outcome: AttemptOutcome;
    if (error === undefined) {
      outcome = "completed";
      this.completions.push(job.id);
    } else if (cause instanceof JobInterruptedError) {
      outcome = "released";
      this.releases.push(job.id);
    } else {
      const now = this.clock();
      const text = describeError(cause);
      if (isPermanentError(cause) || job.attempts >= job.maxAttempts) {
        outcome = "dead";
        this.failures.push({ id: job.id, state: "dead", runAt: now, error: text, failedAt: now });
        this.log.warn(
          { job: job.id, kind: job.kind, attempt: job.attempts, error: text },
          isPermanentError(cause)
            ? "job failed permanently: dead letter"
            : "job out of attempts: dead letter",
        );
      } else {
        outcome = "retry";
        const delayMs = backoffMs(job.attempts, this.random);
        this.failures.push({
          id: job.id,
          state: "pending",
          runAt: now + delayMs,
          error: text,
          failedAt: now,
        });
        this.log.info(
          { job: job.id, kind: job.kind, attempt: job.attempts, delayMs, error: text },
          "job failed; will retry",
        );
      }
    }
    this.metrics?.duration.observe({ kind: job.kind, outcome }, durationMs / 1000);
    this.metrics?.attempts.inc({ kind: job.kind, outcome });
    this.startJobs();
    this.wake();
  }

  private maybePrune(now: number) {
    if (this.state !== "running" || this.pruning) return;
    if (!Number.isFinite(this.retentionMs) && !this.maintenance) return;
    if (now - this.lastPruneAt < this.pruneIntervalMs) return;
    this.lastPruneAt = now;
    const completed = Number.isFinite(this.retentionMs)
      ? pruneCompletedJobs(this.database, { before: now - this.retentionMs })
      : Promise.resolve(0);
    this.pruning = completed
      .then((pruned) => {
        if (pruned > 0) this.log.info({ pruned }, "pruned completed jobs");
      })
      .catch((error: unknown) => this.log.warn({ err: error }, "pruning completed jobs failed"))
      .then(() => this.maintenance?.(now, () => this.state !== "running"))
      .catch((error: unknown) => this.log.warn({ err: error }, "retention maintenance failed"))
      .finally(() => {
        this.pruning = undefined;
      });
  }
}

/** Creates and starts a runner. */
export function startRunner(options: RunnerOptions): JobRunner {
  return new JobRunner(options).start();
}
