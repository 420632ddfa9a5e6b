import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import {
  NativeWriter,
  ProgramFailure,
  type Program,
  type ProgramResult,
} from "./native-writer.mjs";
import { DatabaseUnavailableError, type UnavailableReason } from "./errors";
import type { LaneRunner } from "./write-queue";

/** The writer's condition, for /ready: running, between a crash and its restart, gone, closed. */
export type WriterState = "running" | "restarting" | "dead" | "closed";

export type ProgramRunner = LaneRunner<Program> & {
  close(): void;
  state(): WriterState;
};

type PlainError = {
  name: string;
  message: string;
  code?: string;
  rawCode?: number;
  reason?: string;
};

/** An error from the writer thread, rebuilt: ProgramFailure keeps its code, SQLite its codes. */
function rebuild(error: PlainError): Error {
  if (error.name === "ProgramFailure" && error.code) return new ProgramFailure(error.code);
  if (error.name === "DatabaseUnavailableError" && error.reason)
    return new DatabaseUnavailableError(error.reason as UnavailableReason, error.message);
  return Object.assign(new Error(error.message), {
    name: error.name,
    code: error.code,
    rawCode: error.rawCode,
  });
}

/**
 * writer-thread.mjs sits beside this file in the source tree. A server build is bundled into
 * <build dir>/index.js (build/ by default, or FLOWPAY_BUILD_DIR such as .builds/x), so from there
 * it is found in the nearest parent directory's db/.
 */
function writerThreadFile(): URL {
  const beside = new URL("./writer-thread.mjs", import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  for (let up = "../"; up.length <= 4 * 3; up += "../") {
    const candidate = new URL(`${up}db/writer-thread.mjs`, import.meta.url);
    if (existsSync(fileURLToPath(candidate))) return candidate;
  }
  return new URL("../db/writer-thread.mjs", import.meta.url);
}

export type ThreadRunnerOptions = {
  /**
   * Restarts of a thread that stopped, in a row without a committed group between them, before
   * the writer is given up as dead (ADR 024). Waits backoffMs, then twice that, and so on.
   */
  maxRestarts?: number;
  backoffMs?: number;
  /** Called once when the writer is given up: the process cannot write any more. */
  onDead?(error: Error): void;
  /** Called when a thread stopped unexpectedly (before it is restarted). */
  onCrash?(error: Error, restart: number): void;
  /** Tests only: the runner's crashForTest() makes the thread exit as a crash would. */
  testHooks?: boolean;
};

type Waiting = {
  resolve(outcomes: PromiseSettledResult<ProgramResult>[]): void;
  reject(e: Error): void;
};

/** One writer thread: started, ready (or its opening error), its messages routed to `waiting`. */
async function startThread(
  path: string,
  busyTimeoutMs: number,
  testHooks: boolean,
  waiting: Map<number, Waiting>,
  onClosed: () => void,
): Promise<Worker> {
  const worker = new Worker(writerThreadFile(), {
    workerData: { path, busyTimeoutMs, testHooks },
  });
  // The thread must not keep a process alive that has nothing else to do (CLI, tests).
  worker.unref();
  try {
    await new Promise<void>((resolve, reject) => {
      worker.once("message", (message: { ready: boolean; error?: PlainError }) =>
        message.ready ? resolve() : reject(rebuild(message.error!)),
      );
      worker.once("error", reject);
      worker.once("exit", (code) =>
        reject(new Error(`The database writer thread exited (${code}) while starting`)),
      );
    });
  } catch (error) {
    void worker.terminate();
    throw error;
  }
  const settle = (reply: Reply) => {
    const entry = reply.id === undefined ? undefined : waiting.get(reply.id);
    if (!entry) return;
    waiting.delete(reply.id!);
    if (reply.error) return entry.reject(rebuild(reply.error));
    entry.resolve(
      reply.outcomes!.map((o) =>
        o.ok
          ? { status: "fulfilled", value: o.value }
          : { status: "rejected", reason: rebuild(o.error) },
      ),
    );
  };
  worker.on("message", (message: Reply & { answers?: Reply[]; closed?: boolean }) => {
    if (message.closed) {
      onClosed();
      void worker.terminate();
      return;
    }
    // The groups the thread committed in one transaction are answered in one message (ADR 048).
    if (message.answers) for (const reply of message.answers) settle(reply);
    else settle(message);
  });
  return worker;
}

/** The thread's answer to one group: each program's outcome, or the transaction's error. */
type Reply = {
  id?: number;
  outcomes?: ({ ok: true; value: ProgramResult } | { ok: false; error: PlainError })[];
  error?: PlainError;
};

/**
 * Deno's `node:worker_threads` clones a message object by object, which made sending a group
 * of programs (a few hundred small objects) one of the larger costs of an intake request on the
 * server's thread there; JSON text crosses as one string and is parsed in the writer thread.
 * Node's structured clone is faster than JSON.stringify (ADR 048 has both measurements).
 */
const sendsJson = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

/** Whether JSON text carries a step argument unchanged (no bytes, big integers or NaN). */
const jsonSafe = (arg: unknown) =>
  arg === null ||
  typeof arg === "string" ||
  typeof arg === "boolean" ||
  (typeof arg === "number" && Number.isFinite(arg)) ||
  (typeof arg === "object" && "ref" in arg);

/**
 * Write programs run in a worker thread that owns the native write connection (ADR 019): the
 * statements and the COMMIT's fsync no longer block the event loop that serves HTTP. The thread
 * runs the groups it receives one after another, from a queue of its own (ADR 023), so it never
 * has two transactions open.
 *
 * A thread that stops unexpectedly (it catches every error of a group, so only a crash does) is
 * restarted after a back-off (ADR 024): meanwhile, and for the groups it had not answered, writes
 * fail at once with DatabaseUnavailableError("writer_dead") — a 503, never a hang. After
 * `maxRestarts` restarts in a row without a committed group, the writer is dead: `onDead` is
 * called (the server exits non-zero so that its container is restarted) and writes keep failing.
 */
export async function threadRunner(
  path: string,
  busyTimeoutMs: number,
  options: ThreadRunnerOptions = {},
): Promise<ProgramRunner & { crashForTest(code?: number): void }> {
  const { maxRestarts = 5, backoffMs = 100, testHooks = false } = options;
  const waiting = new Map<number, Waiting>();
  let nextId = 1;
  let state: WriterState = "running";
  let failed: Error | null = null;
  let crashes = 0;
  // Each SQL text crosses to the thread once; after that a step carries its number (a request's
  // program is ≈3 KB of SQL text, and copying it was ≈3 % of the server thread's time). A new
  // thread knows no texts, so the numbering starts again with it.
  let textIds = new Map<string, number>();

  const rejectWaiting = (error: Error) => {
    for (const entry of waiting.values()) entry.reject(error);
    waiting.clear();
  };

  const watch = (worker: Worker) => {
    const stopped = (why: string, cause?: unknown) => {
      if (state === "closed") return rejectWaiting(new DatabaseUnavailableError("closed"));
      if (current !== worker) return;
      const error = new DatabaseUnavailableError("writer_dead", why, { cause });
      failed = error;
      rejectWaiting(error);
      if (state === "dead") return;
      crashes++;
      if (crashes > maxRestarts) return giveUp(error);
      state = "restarting";
      options.onCrash?.(error, crashes);
      setTimeout(() => void restart(), backoffMs * 2 ** (crashes - 1)).unref();
    };
    worker.on("error", (error) => stopped(`it failed: ${error.message}`, error));
    worker.on("exit", (code) => stopped(`it exited with code ${code}`));
  };

  const giveUp = (error: Error) => {
    state = "dead";
    failed = new DatabaseUnavailableError(
      "writer_dead",
      `gave up after ${maxRestarts} restarts: ${error.message}`,
      { cause: error },
    );
    options.onDead?.(failed);
  };

  const restart = async () => {
    if (state !== "restarting") return;
    try {
      const worker = await startThread(path, busyTimeoutMs, testHooks, waiting, onClosed);
      if (state !== "restarting") {
        void worker.terminate();
        return;
      }
      current = worker;
      textIds = new Map();
      watch(worker);
      failed = null;
      state = "running";
    } catch (error) {
      crashes++;
      if (crashes > maxRestarts) return giveUp(error as Error);
      options.onCrash?.(error as Error, crashes);
      setTimeout(() => void restart(), backoffMs * 2 ** (crashes - 1)).unref();
    }
  };

  const onClosed = () => {
    state = "closed";
  };

  let current: Worker = await startThread(path, busyTimeoutMs, testHooks, waiting, onClosed);
  watch(current);

  const compact = (programs: Program[]) => {
    const texts: [number, string][] = [];
    let json = sendsJson;
    const sent = programs.map((program) => ({
      collect: program.collect,
      steps: program.steps.map((step) => {
        if (json && !step.args.every(jsonSafe)) json = false;
        let textId = textIds.get(step.sql);
        // Bounded: the job runner's texts vary with the number of jobs they name.
        if (textId === undefined && textIds.size < 2000) {
          textId = textIds.size;
          textIds.set(step.sql, textId);
          texts.push([textId, step.sql]);
        }
        return textId === undefined ? step : { ...step, sql: "", textId };
      }),
    }));
    return { message: { texts, programs: sent }, json };
  };

  const send = (programs: Program[]) =>
    new Promise<PromiseSettledResult<ProgramResult>[]>((resolve, reject) => {
      if (state === "closed") return reject(new DatabaseUnavailableError("closed"));
      if (failed) return reject(failed);
      const id = nextId++;
      waiting.set(id, {
        resolve: (outcomes) => {
          // A group committed: the thread works again, restarts in a row start from zero.
          crashes = 0;
          resolve(outcomes);
        },
        reject,
      });
      const { message, json } = compact(programs);
      // `answers`: this side takes one answer for the groups committed together (ADR 048).
      const sent = { id, answers: true, ...message };
      current.postMessage(json ? JSON.stringify(sent) : sent);
    });

  return {
    group: send,
    single: aloneIn(send),
    state: () => state,
    close: () => {
      if (state === "running") current.postMessage({ close: true });
      else void current.terminate();
      state = "closed";
    },
    crashForTest: (code = 3) => current.postMessage({ testExit: code }),
  };
}

/** The same, in this thread: where a worker thread is not wanted (DB_WRITER=inline). */
export function inlineRunner(path: string, busyTimeoutMs: number): ProgramRunner {
  const writer = new NativeWriter(path, busyTimeoutMs);
  let closed = false;
  // One group at a time (ADR 023): each waits for the one before it, whatever its callers do.
  let tail: Promise<unknown> = Promise.resolve();
  const group = (programs: Program[]) => {
    const run = tail.then(() =>
      closed ? Promise.reject(new DatabaseUnavailableError("closed")) : writer.runGroup(programs),
    );
    tail = run.catch(() => undefined);
    return run;
  };
  return {
    group,
    single: aloneIn(group),
    state: () => (closed ? "closed" : "running"),
    close: () => {
      closed = true;
      writer.close();
    },
  };
}

/** A program alone is a group of one (its own transaction and savepoint); its outcome, unwrapped. */
function aloneIn(group: (programs: Program[]) => Promise<PromiseSettledResult<ProgramResult>[]>) {
  return async (program: Program) => {
    const [outcome] = await group([program]);
    if (outcome!.status === "rejected") throw outcome!.reason;
    return outcome!.value;
  };
}
