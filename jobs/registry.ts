import type { Logger } from "pino";
import type { z } from "zod";
import type { Database } from "~/db/client";
import type { RateLimit } from "./rate-limit";

/** Lower runs first. */
export const jobPriority = { createLoan: 1, syncToCrm: 2, notification: 3 } as const;

export const jobDefaults = {
  priority: jobPriority.notification,
  maxAttempts: 5,
  timeoutMs: 60_000,
};

/** A job kind: its name, payload schema and how it runs. Holds no handler (see JobRegistry). */
export type JobDefinition<S extends z.ZodType = z.ZodType> = {
  kind: string;
  /** Describes JSON: the payload is stored as JSON and parsed again before the handler runs. */
  schema: S;
  priority: number;
  maxAttempts: number;
  /** The handler's AbortSignal fires after this long; the attempt then counts as failed. */
  timeoutMs: number;
  /** Shared by all processes, e.g. { max: 100, perMs: 60_000 }. */
  rateLimit?: RateLimit;
};

export type JobDefinitionInput<S extends z.ZodType> = {
  kind: string;
  schema: S;
  priority?: number;
  maxAttempts?: number;
  timeoutMs?: number;
  rateLimit?: RateLimit;
};

/** Declares a job kind; throws at import time on a nonsensical definition. */
export function defineJob<S extends z.ZodType>(input: JobDefinitionInput<S>): JobDefinition<S> {
  const definition: JobDefinition<S> = {
    kind: input.kind,
    schema: input.schema,
    priority: input.priority ?? jobDefaults.priority,
    maxAttempts: input.maxAttempts ?? jobDefaults.maxAttempts,
    timeoutMs: input.timeoutMs ?? jobDefaults.timeoutMs,
    rateLimit: input.rateLimit,
  };
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(definition.kind)) problems.push("kind must be kebab-case");
  if (!Number.isInteger(definition.priority)) problems.push("priority must be an integer");
  if (!Number.isInteger(definition.maxAttempts) || definition.maxAttempts < 1)
    problems.push("maxAttempts must be an integer ≥ 1");
  if (!Number.isInteger(definition.timeoutMs) || definition.timeoutMs < 1)
    problems.push("timeoutMs must be a positive integer");
  const limit = definition.rateLimit;
  if (
    limit &&
    (!Number.isInteger(limit.max) ||
      limit.max < 1 ||
      !Number.isInteger(limit.perMs) ||
      limit.perMs < 1)
  )
    problems.push("rateLimit needs integer max ≥ 1 and perMs ≥ 1");
  if (problems.length > 0) throw new Error(`Job "${input.kind}": ${problems.join("; ")}`);
  return definition;
}

/** What a handler gets besides its payload. */
export type JobContext = {
  jobId: number;
  kind: string;
  /** 1 on the first attempt. */
  attempt: number;
  maxAttempts: number;
  /**
   * Stable across every attempt of this job, in every process: pass it to partners as their
   * idempotency key (and use it as the unique key of rows the handler writes), so that
   * at-least-once execution never becomes a duplicate effect.
   */
  idempotencyKey: string;
  /** The job key given at enqueue (without its kind prefix), if any. */
  key: string | null;
  /** Aborted on timeout and on shutdown: pass it to fetch and partner SDKs. */
  signal: AbortSignal;
  database: Database;
  logger: Logger;
};

export type JobHandler<S extends z.ZodType = z.ZodType> = (
  payload: z.output<S>,
  context: JobContext,
) => Promise<void>;

export type RegisteredJob = { definition: JobDefinition; handler: JobHandler };

/** The kinds one runner executes: definition + handler per kind. */
export class JobRegistry {
  private readonly jobs = new Map<string, RegisteredJob>();

  handle<S extends z.ZodType>(definition: JobDefinition<S>, handler: JobHandler<S>): this {
    if (this.jobs.has(definition.kind))
      throw new Error(`Job "${definition.kind}" is registered twice`);
    this.jobs.set(definition.kind, { definition, handler: handler as JobHandler });
    return this;
  }

  /**
   * Replaces a registered kind's rate limit: the limits that depend on configuration (a Twilio
   * short code sends 30× what a long code may) are set once at start, not in the definition.
   */
  withRateLimit(kind: string, rateLimit: RateLimit): this {
    const job = this.jobs.get(kind);
    if (!job) throw new Error(`Job "${kind}" is not registered`);
    if (
      !Number.isInteger(rateLimit.max) ||
      rateLimit.max < 1 ||
      !Number.isInteger(rateLimit.perMs) ||
      rateLimit.perMs < 1
    )
      throw new Error(`Job "${kind}": rateLimit needs integer max ≥ 1 and perMs ≥ 1`);
    this.jobs.set(kind, { ...job, definition: { ...job.definition, rateLimit } });
    return this;
  }

  get(kind: string): RegisteredJob | undefined {
    return this.jobs.get(kind);
  }

  all(): RegisteredJob[] {
    return [...this.jobs.values()];
  }

  get size() {
    return this.jobs.size;
  }
}

/**
 * The idempotency key of a job: its row id plus its creation time, so a database restored from
 * a backup (which may hand out the same ids again) never reuses a key a partner has seen.
 */
export function idempotencyKeyFor(job: { id: number; createdAt: number }): string {
  return `flowpay-job-${job.id}-${job.createdAt.toString(36)}`;
}
