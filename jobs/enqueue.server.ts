import { and, eq, inArray } from "drizzle-orm";
import type { z } from "zod";
import type { Tx } from "../db/client";
import { outbox } from "../db/schema/index";
import { JobPayloadError } from "./errors";
import { nudgeRunner } from "./nudge.server";
import type { JobDefinition } from "./registry";

export type EnqueueOptions = {
  /** Overrides the kind's priority (lower runs first). */
  priority?: number;
  /** Not before this time (default: now). */
  runAt?: Date | number;
  /**
   * At most one pending job per (kind, key). With keyMode "replace" (default) a pending job
   * with the key is replaced by this one; with "dedupe" it is kept and this enqueue does
   * nothing. A job with the key that is already running is left to finish and loses its key.
   */
  key?: string;
  keyMode?: "replace" | "dedupe";
  /** Overrides the kind's maxAttempts. */
  maxAttempts?: number;
};

export type EnqueuedJob = { id: number; deduped: boolean };

/**
 * Adds a job inside the caller's write transaction, so the job exists if and only if the
 * business change that causes it commits. The payload is validated by the kind's schema here:
 * a bad payload fails the caller's transaction, not a job an hour later.
 */
export async function enqueue<S extends z.ZodType>(
  tx: Tx,
  job: JobDefinition<S>,
  payload: z.input<S>,
  options: EnqueueOptions = {},
): Promise<EnqueuedJob> {
  if (!tx || typeof (tx as { rollback?: unknown }).rollback !== "function") {
    throw new TypeError("enqueue() runs inside a write transaction: database.write((tx) => …)");
  }
  const parsed = job.schema.safeParse(payload);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (i) => `${i.path.join(".") || "(payload)"}: ${i.message}`,
    );
    throw new JobPayloadError(`Invalid payload for job "${job.kind}": ${issues.join("; ")}`);
  }
  const priority = options.priority ?? job.priority;
  const maxAttempts = options.maxAttempts ?? job.maxAttempts;
  if (!Number.isInteger(priority)) throw new TypeError("priority must be an integer");
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new TypeError("maxAttempts must be an integer ≥ 1");
  }
  const now = Date.now();
  const runAt = options.runAt === undefined ? now : Number(options.runAt);
  if (!Number.isFinite(runAt)) throw new TypeError("runAt must be a valid time");

  const key = options.key === undefined ? null : `${job.kind}:${options.key}`;
  if (key !== null) {
    const existing = await tx
      .select({ id: outbox.id, state: outbox.state })
      .from(outbox)
      .where(and(eq(outbox.key, key), inArray(outbox.state, ["pending", "running"])));
    for (const row of existing) {
      if (row.state === "pending" && options.keyMode === "dedupe") {
        return { id: row.id, deduped: true };
      }
      if (row.state === "pending") {
        // A new row (not an update in place): the replacement gets its own idempotency key.
        await tx.delete(outbox).where(and(eq(outbox.id, row.id), eq(outbox.state, "pending")));
      } else {
        await tx.update(outbox).set({ key: null }).where(eq(outbox.id, row.id));
      }
    }
  }

  const [row] = await tx
    .insert(outbox)
    .values({
      kind: job.kind,
      payload: JSON.stringify(parsed.data),
      priority,
      state: "pending",
      key,
      runAt,
      attempts: 0,
      maxAttempts,
      createdAt: now,
      updatedAt: now,
    })
    .returning({ id: outbox.id });
  // Safe before the commit: the runner's claim queues behind this transaction.
  nudgeRunner();
  return { id: row!.id, deduped: false };
}
