/**
 * One in-process queue for every database write, with group commit.
 *
 * libSQL's `transaction("write")` holds a connection in BEGIN IMMEDIATE; a second write
 * started meanwhile in the same process runs on another connection and the native driver
 * waits for the file lock *synchronously*, blocking the event loop — so the first
 * transaction can never finish (docs/product/platform-notes.md measured it). Serialising writes
 * through this queue avoids that; reads need no queue (WAL).
 *
 * Group commit (ADR 017): transactions that queued up while the previous one ran are
 * committed together — one BEGIN/COMMIT (one WAL fsync) for the group, each transaction in
 * its own SAVEPOINT so a failing one rolls back alone and rejects alone. Nobody's promise
 * settles before the group's COMMIT returns, so an answer never reports an uncommitted write.
 *
 * Write programs (ADR 019) are committed by the database writer thread; their groups are
 * pipelined (see programPipelineDepth), and every other write waits until the writer is done.
 *
 * An idle queue waits one event-loop turn (setImmediate) before it starts: libSQL's statements
 * run synchronously, so a transaction never yields to I/O and, without that turn, requests that
 * were already readable could never join the group (measured: one COMMIT per request before,
 * about five requests per COMMIT after, under 10 concurrent API clients).
 */

/**
 * Program groups run in the writer thread (ADR 019), which commits them in the order sent; the
 * queue sends the next group while one commits (its fsync), so the writer need not wait for this
 * thread to see the answer and send more. The groups that wait in the thread while a transaction
 * commits are committed together in the next one (ADR 048), so more than one may wait there:
 * four in flight at most (two before ADR 048, when each group was a transaction of its own), so a
 * group still forms here from what queued meanwhile.
 */
const programPipelineDepth = 4;

/** A queued transaction of either lane, as the commit step sees it. */
type LaneItem = Settle & { work: unknown };

type Settle = { resolve(value: unknown): void; reject(error: unknown): void };

/** A transaction's work; `Tx` is whatever the group runner hands it (a drizzle transaction). */
export type TxWork<Tx> = (tx: Tx) => Promise<unknown>;

/** The two kinds of transaction the queue groups: each group is of one kind only. */
type Lane = "tx" | "program";

type Item<Tx, P> = Settle &
  (
    | { kind: "tx"; work: TxWork<Tx> }
    | { kind: "program"; work: P }
    | { kind: "raw"; work: () => Promise<unknown> }
  );

export type LaneRunner<W> = {
  /** Runs `work` in one transaction of its own. */
  single(work: W): Promise<unknown>;
  /**
   * Runs every work in one transaction, each in a savepoint; returns each work's outcome.
   * Rejects (and nothing commits) only when the enclosing transaction itself fails.
   */
  group(works: W[]): Promise<PromiseSettledResult<unknown>[]>;
};

/** How drizzle transactions (closures over a `Tx`) are committed. */
export type GroupRunner<Tx> = LaneRunner<TxWork<Tx>>;

export class WriteQueue<Tx = unknown, P = never> {
  private pending: Item<Tx, P>[] = [];
  private running = false;
  /** Program groups sent to the writer and not yet settled (they commit in the order sent). */
  private readonly inFlight = new Set<Promise<void>>();

  /**
   * @param maxGroup the most transactions committed together (bounds the first one's wait).
   * @param programRunner runs write programs (plain-data transactions, ADR 019) — on the
   *   embedded database, in the writer thread; serialised with every other write of this queue.
   */
  constructor(
    private readonly runner: GroupRunner<Tx>,
    private readonly maxGroup = 32,
    private readonly programRunner?: LaneRunner<P>,
  ) {}

  /** Number of writes queued or running (a gauge for /metrics). */
  get depth() {
    return this.pending.length + Math.max(this.running ? 1 : 0, this.inFlight.size);
  }

  /** Queues a write transaction. */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.push({ kind: "tx", work }) as Promise<T>;
  }

  /** Queues a write program (ADR 019); programs queued together are committed together. */
  program(program: P): Promise<unknown> {
    if (!this.programRunner) return Promise.reject(new Error("This write queue runs no programs"));
    return this.push({ kind: "program", work: program });
  }

  /** Queues work that writes without a transaction of ours (a single statement, a batch, DDL). */
  run<T>(work: () => Promise<T>): Promise<T> {
    return this.push({ kind: "raw", work }) as Promise<T>;
  }

  private push(item: Omit<Item<Tx, P>, keyof Settle>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.pending.push({ ...item, resolve, reject } as Item<Tx, P>);
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
        if (head.kind === "program") {
          if (this.inFlight.size >= programPipelineDepth) {
            await Promise.race(this.inFlight);
            continue;
          }
          const sent = this.commit(
            this.programRunner as LaneRunner<unknown>,
            this.takeGroup("program"),
          );
          const settled: Promise<void> = sent.finally(() => this.inFlight.delete(settled));
          this.inFlight.add(settled);
          // One turn for the requests already readable to queue up as the next group.
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
        // Nothing of ours may write while the writer thread still has programs to commit.
        if (this.inFlight.size > 0) {
          await Promise.all(this.inFlight);
          continue;
        }
        if (head.kind === "raw") {
          this.pending.shift();
          await head.work().then(head.resolve, head.reject);
          continue;
        }
        await this.commit(this.runner as LaneRunner<unknown>, this.takeGroup("tx"));
      }
    } finally {
      this.running = false;
    }
  }

  private takeGroup(lane: Lane): LaneItem[] {
    const group: LaneItem[] = [];
    while (group.length < this.maxGroup && this.pending[0]?.kind === lane) {
      group.push(this.pending.shift() as LaneItem);
    }
    return group;
  }

  private async commit(runner: LaneRunner<unknown>, group: LaneItem[]) {
    if (group.length === 1) {
      const [only] = group;
      await runner.single(only!.work).then(only!.resolve, only!.reject);
      return;
    }
    let outcomes: PromiseSettledResult<unknown>[];
    try {
      outcomes = await runner.group(group.map((item) => item.work));
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
