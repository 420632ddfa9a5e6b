// The database writer thread (ADR 019): owns the embedded database's native write connection and
// runs the groups of write programs the main thread's write queue sends it, one group at a time,
// so statement execution and the COMMIT's fsync leave the event loop that serves HTTP.
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

parentPort.on("message", async (message) => {
  if (message.close) {
    writer?.close();
    writer = undefined;
    // The main thread terminates the thread on this answer (Deno's parentPort has no close()).
    parentPort.postMessage({ closed: true });
    return;
  }
  try {
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
});
