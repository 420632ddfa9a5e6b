/**
 * One in-process queue for every database write, with group commit.
 *
 * libSQL's `transaction("write")` holds a connection in BEGIN IMMEDIATE; a second write
 * started meanwhile in the same process runs on another connection and the native driver
 * waits for the file lock *synchronously*, blocking the event loop — so the first
 * transaction can never finish (engineering/setup.md measured it). Serialising writes
 * through this queue avoids that; reads need no queue (WAL).
 *
 * Group commit (ADR 017): transactions that queued up while the previous one ran are
 * committed together — one BEGIN/COMMIT (one WAL fsync) for the group, each transaction in
 * its own SAVEPOINT so a failing one rolls back alone and rejects alone. Nobody's promise
 * settles before the group's COMMIT returns, so an answer never reports an uncommitted write.
 *
 * An idle queue waits one event-loop turn (setImmediate) before it starts: libSQL's statements
 * run synchronously, so a transaction never yields to I/O and, without that turn, requests that
 * were already readable could never join the group (measured: one COMMIT per request before,
 * about five requests per COMMIT after, under 10 concurrent API clients).
 */

type Settle = { resolve(value: unknown): void; reject(error: unknown): void };

/** A transaction's work; `Tx` is whatever the group runner hands it (a drizzle transaction). */
export type TxWork<Tx> = (tx: Tx) => Promise<unknown>;

type Item<Tx> = Settle &
  ({ kind: "tx"; work: TxWork<Tx> } | { kind: "raw"; work: () => Promise<unknown> });

export type GroupRunner<Tx> = {
  /** Runs `work` in one transaction of its own. */
  single(work: TxWork<Tx>): Promise<unknown>;
  /**
   * Runs every work in one transaction, each in a savepoint; returns each work's outcome.
   * Rejects (and nothing commits) only when the enclosing transaction itself fails.
   */
  group(works: TxWork<Tx>[]): Promise<PromiseSettledResult<unknown>[]>;
};

export class WriteQueue<Tx = unknown> {
  private pending: Item<Tx>[] = [];
  private running = false;

  /** @param maxGroup the most transactions committed together (bounds the first one's wait). */
  constructor(
    private readonly runner: GroupRunner<Tx>,
    private readonly maxGroup = 32,
  ) {}

  /** Number of writes queued or running (a gauge for /metrics). */
  get depth() {
    return this.pending.length + (this.running ? 1 : 0);
  }

  /** Queues a write transaction. */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.push({ kind: "tx", work }) as Promise<T>;
  }

  /** Queues work that writes without a transaction of ours (a single statement, a batch, DDL). */
  run<T>(work: () => Promise<T>): Promise<T> {
    return this.push({ kind: "raw", work }) as Promise<T>;
  }

  private push(item: Omit<Item<Tx>, keyof Settle>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.pending.push({ ...item, resolve, reject } as Item<Tx>);
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  /** Runs until nothing is pending; `running` was set by the push that scheduled it. */
  private async drain() {
    try {
      while (this.pending.length > 0) {
        const head = this.pending[0]!;
        if (head.kind === "raw") {
          this.pending.shift();
          await head.work().then(head.resolve, head.reject);
          continue;
        }
        const group: (Item<Tx> & { kind: "tx" })[] = [];
        while (group.length < this.maxGroup && this.pending[0]?.kind === "tx") {
          group.push(this.pending.shift() as Item<Tx> & { kind: "tx" });
        }
        await this.commit(group);
      }
    } finally {
      this.running = false;
    }
  }

  private async commit(group: (Item<Tx> & { kind: "tx" })[]) {
    if (group.length === 1) {
      const [only] = group;
      await this.runner.single(only!.work).then(only!.resolve, only!.reject);
      return;
    }
    let outcomes: PromiseSettledResult<unknown>[];
    try {
      outcomes = await this.runner.group(group.map((item) => item.work));
    } catch (error) {
      for (const item of group) item.reject(error);
      return;
    }
    group.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome.status === "fulfilled") item.resolve(outcome.value);
      else item.reject(outcome.reason);
    });
  }
}
