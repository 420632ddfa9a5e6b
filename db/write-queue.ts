/**
 * One in-process queue for every database write.
 *
 * libSQL's `transaction("write")` holds a connection in BEGIN IMMEDIATE; a second write
 * started meanwhile in the same process runs on another connection and the native driver
 * waits for the file lock *synchronously*, blocking the event loop — so the first
 * transaction can never finish (engineering/setup.md measured it). Serialising writes
 * through a promise chain avoids that; reads need no queue (WAL).
 */
export class WriteQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  /** Number of writes queued or running (a gauge for /metrics). */
  get depth() {
    return this.waiting;
  }

  run<T>(work: () => Promise<T>): Promise<T> {
    this.waiting += 1;
    const result = this.tail.then(work);
    // The chain continues whether this write succeeded or failed.
    this.tail = result.then(
      () => this.done(),
      () => this.done(),
    );
    return result;
  }

  private done() {
    this.waiting -= 1;
  }
}
