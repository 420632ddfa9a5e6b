// The database writer thread (ADR 019): owns the embedded database's native write connection and
// runs the groups of write programs the main thread's write queue sends it, so statement
// execution and the COMMIT's fsync leave the event loop that serves HTTP.
//
// One group at a time, by construction (ADR 023): messages go into `inbox` and one drain loop
// takes them in order, awaiting each group before the next. The message handler itself never
// awaits. (It used to be an async handler that awaited the group: Node happens to deliver each
// message as a task of its own, after the previous handler's awaits settled, but Deno's
// worker delivers the next message from a promise chain that interleaves with those awaits, so
// a second group began — "cannot start a transaction within a transaction" — and its ROLLBACK
// undid the first group's writes.)
import { parentPort, workerData } from "node:worker_threads";
import { NativeWriter } from "./native-writer.mjs";

/** Errors cross the thread boundary as plain data; the main thread rebuilds them. */
function plainError(error) {
  const e = /** @type {any} */ (error);
  return {
    name: String(e?.name ?? "Error"),
    message: String(e?.message ?? error),
    code: e?.code,
    rawCode: e?.rawCode,
    reason: e?.reason,
  };
}

/** @type {string[]} SQL texts by the number the main thread gave them */
const texts = [];

let writer;
try {
  writer = new NativeWriter(workerData.path, workerData.busyTimeoutMs);
  parentPort.postMessage({ ready: true });
} catch (error) {
  parentPort.postMessage({ ready: false, error: plainError(error) });
}

/** Messages not yet handled, oldest first. */
const inbox = [];
let draining = false;

parentPort.on("message", (message) => {
  inbox.push(message);
  if (!draining) void drain();
});

/** Handles the inbox in order, one message at a time; `draining` is set before any await. */
async function drain() {
  draining = true;
  try {
    while (inbox.length > 0) await handle(inbox.shift());
  } finally {
    draining = false;
  }
}

async function handle(message) {
  if (message.close) {
    writer?.close();
    writer = undefined;
    // The main thread terminates the thread on this answer (Deno's parentPort has no close()).
    parentPort.postMessage({ closed: true });
    return;
  }
  // Tests only (writer.test.ts): the thread dies as a crash would end it.
  if (message.testExit !== undefined && workerData.testHooks) process.exit(message.testExit);
  try {
    if (!writer) {
      const closed = new Error("The database writer is closed");
      throw Object.assign(closed, { code: "FLOWPAY_DATABASE_UNAVAILABLE", reason: "closed" });
    }
    // SQL texts arrive once, numbered; steps after that carry the number (writer.ts).
    for (const [textId, text] of message.texts) texts[textId] = text;
    for (const program of message.programs) {
      for (const step of program.steps)
        if (step.textId !== undefined) step.sql = texts[step.textId];
    }
    const outcomes = await writer.runGroup(message.programs);
    parentPort.postMessage({
      id: message.id,
      outcomes: outcomes.map((o) =>
        o.status === "fulfilled"
          ? { ok: true, value: o.value }
          : { ok: false, error: plainError(o.reason) },
      ),
    });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: plainError(error) });
  }
}
