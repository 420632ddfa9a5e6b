// The database writer thread (ADR 019): owns the embedded database's native write connection and
// runs the groups of write programs the main thread's write queue sends it, so statement
// execution and the COMMIT's fsync leave the event loop that serves HTTP.
//
// One transaction at a time, by construction (ADR 023): messages go into `inbox` and one drain
// loop takes them in order, awaiting each transaction before the next. The message handler itself
// never awaits. (It used to be an async handler that awaited the group: Node happens to deliver
// each message as a task of its own, after the previous handler's awaits settled, but Deno's
// worker delivers the next message from a promise chain that interleaves with those awaits, so
// a second group began — "cannot start a transaction within a transaction" — and its ROLLBACK
// undid the first group's writes.)
//
// The groups that arrived while a transaction ran are committed together in the next one, a
// savepoint per program as before (ADR 048): one COMMIT, one fsync and one answer for all of them
// instead of one each.
import { setImmediate } from "node:timers";
import { parentPort, workerData } from "node:worker_threads";
// Errors cross the thread boundary as plain data (plainError); the main thread rebuilds them.
import { NativeWriter, plainError } from "./native-writer.mjs";

/**
 * The most programs one transaction takes from the groups waiting (a group is never split): it
 * bounds how long the first of them waits for the others' statements.
 */
const maxProgramsPerTransaction = 64;

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
  // A group may come as JSON text (writer.ts sends it so where structured cloning is slow, ADR
  // 048); it is parsed here, off the main thread.
  inbox.push(typeof message === "string" ? JSON.parse(message) : message);
  if (!draining) void drain();
});

const isGroup = (message) => Array.isArray(message?.programs);

/**
 * Handles the inbox in order, one transaction at a time; `draining` is set before any await.
 * After each transaction it lets the event loop deliver the messages that came meanwhile (they
 * wait in the port while the statements run synchronously), so the next one takes them all.
 */
async function drain() {
  draining = true;
  try {
    while (inbox.length > 0) {
      if (!isGroup(inbox[0])) {
        await handle(inbox.shift());
        continue;
      }
      const groups = [inbox.shift()];
      let programs = groups[0].programs.length;
      while (
        isGroup(inbox[0]) &&
        programs + inbox[0].programs.length <= maxProgramsPerTransaction
      ) {
        programs += inbox[0].programs.length;
        groups.push(inbox.shift());
      }
      await commitTogether(groups);
      await new Promise((resolve) => setImmediate(resolve));
    }
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
}

/**
 * Commits the programs of one or more groups in one transaction (a savepoint each: a program that
 * fails rolls back alone) and answers each group with its programs' outcomes — or, when the
 * transaction itself failed, with its error.
 */
async function commitTogether(groups) {
  let outcomes;
  try {
    if (!writer) {
      const closed = new Error("The database writer is closed");
      throw Object.assign(closed, { code: "FLOWPAY_DATABASE_UNAVAILABLE", reason: "closed" });
    }
    const programs = [];
    for (const message of groups) {
      // SQL texts arrive once, numbered; steps after that carry the number (writer.ts).
      for (const [textId, text] of message.texts) texts[textId] = text;
      for (const program of message.programs) {
        for (const step of program.steps)
          if (step.textId !== undefined) step.sql = texts[step.textId];
        programs.push(program);
      }
    }
    outcomes = await writer.runGroup(programs);
  } catch (error) {
    const failed = plainError(error);
    return answer(
      groups.map((message) => ({ id: message.id, error: failed })),
      groups,
    );
  }
  let next = 0;
  const replies = groups.map((message) => {
    const own = outcomes.slice(next, (next += message.programs.length));
    return {
      id: message.id,
      outcomes: own.map((o) =>
        o.status === "fulfilled"
          ? { ok: true, value: o.value }
          : { ok: false, error: plainError(o.reason) },
      ),
    };
  });
  answer(replies, groups);
}

/**
 * One message for all the groups of a transaction (each message wakes the main thread's event
 * loop), unless a group was sent by a main thread that expects one answer per group (`answers`
 * not set: a server built before ADR 048, which still finds this file beside its sources).
 */
function answer(replies, groups) {
  if (replies.length > 1 && groups.every((message) => message.answers)) {
    parentPort.postMessage({ answers: replies });
  } else {
    for (const reply of replies) parentPort.postMessage(reply);
  }
}
