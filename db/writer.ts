import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import {
  NativeWriter,
  ProgramFailure,
  type Program,
  type ProgramResult,
} from "./native-writer.mjs";
import type { LaneRunner } from "./write-queue";

export type ProgramRunner = LaneRunner<Program> & { close(): void };

type PlainError = { name: string; message: string; code?: string; rawCode?: number };

/** An error from the writer thread, rebuilt: ProgramFailure keeps its code, SQLite its codes. */
function rebuild(error: PlainError): Error {
  if (error.name === "ProgramFailure" && error.code) return new ProgramFailure(error.code);
  return Object.assign(new Error(error.message), {
    name: error.name,
    code: error.code,
    rawCode: error.rawCode,
  });
}

/**
 * writer-thread.mjs sits beside this file in the source tree; the server build (build/index.js)
 * is one directory down from the project root, so there it is ../db/writer-thread.mjs.
 */
function writerThreadFile(): URL {
  const beside = new URL("./writer-thread.mjs", import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  return new URL("../db/writer-thread.mjs", import.meta.url);
}

/**
 * Write programs run in a worker thread that owns the native write connection (ADR 019): the
 * statements and the COMMIT's fsync no longer block the event loop that serves HTTP. The thread
 * runs the groups it receives one after another (the queue keeps at most two in flight), so it
 * never has two transactions open.
 */
export async function threadRunner(path: string, busyTimeoutMs: number): Promise<ProgramRunner> {
  const worker = new Worker(writerThreadFile(), { workerData: { path, busyTimeoutMs } });
  // The thread must not keep a process alive that has nothing else to do (CLI, tests).
  worker.unref();
  const waiting = new Map<
    number,
    { resolve(outcomes: PromiseSettledResult<ProgramResult>[]): void; reject(e: Error): void }
  >();
  let nextId = 1;
  let failed: Error | null = null;
  let closing = false;

  const ready = new Promise<void>((resolve, reject) => {
    worker.once("message", (message: { ready: boolean; error?: PlainError }) =>
      message.ready ? resolve() : reject(rebuild(message.error!)),
    );
    worker.once("error", reject);
  });
  await ready;

  worker.on(
    "message",
    (message: { id?: number; outcomes?: unknown[]; error?: PlainError; closed?: boolean }) => {
      if (message.closed) {
        closing = true;
        void worker.terminate();
        return;
      }
      const entry = message.id === undefined ? undefined : waiting.get(message.id);
      if (!entry) return;
      waiting.delete(message.id!);
      if (message.error) return entry.reject(rebuild(message.error));
      entry.resolve(
        (
          message.outcomes as (
            { ok: true; value: ProgramResult } | { ok: false; error: PlainError }
          )[]
        ).map((o) =>
          o.ok
            ? { status: "fulfilled", value: o.value }
            : { status: "rejected", reason: rebuild(o.error) },
        ),
      );
    },
  );
  // A thread that stops (it catches every error of a group, so only a crash or close() does) is
  // not restarted: every caller waiting on it is rejected, and later writes fail, not hang.
  const die = (error: Error) => {
    failed = error;
    for (const entry of waiting.values()) entry.reject(error);
    waiting.clear();
  };
  worker.on("error", die);
  worker.on("exit", (code) => {
    if (!closing) die(new Error(`The database writer thread exited (${code})`));
    else die(new Error("The database is closed"));
  });

  // Each SQL text crosses to the thread once; after that a step carries its number (a request's
  // program is ≈3 KB of SQL text, and copying it was ≈3 % of the server thread's time).
  const textIds = new Map<string, number>();
  const compact = (programs: Program[]) => {
    const texts: [number, string][] = [];
    const sent = programs.map((program) => ({
      collect: program.collect,
      steps: program.steps.map((step) => {
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
    return { texts, programs: sent };
  };

  const send = (programs: Program[]) =>
    new Promise<PromiseSettledResult<ProgramResult>[]>((resolve, reject) => {
      if (failed) return reject(failed);
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      worker.postMessage({ id, ...compact(programs) });
    });

  return {
    group: send,
    single: aloneIn(send),
    close: () => {
      worker.postMessage({ close: true });
    },
  };
}

/** The same, in this thread: where a worker thread is not wanted (DB_WRITER_THREAD=false). */
export function inlineRunner(path: string, busyTimeoutMs: number): ProgramRunner {
  const writer = new NativeWriter(path, busyTimeoutMs);
  const group = (programs: Program[]) => writer.runGroup(programs);
  return { group, single: aloneIn(group), close: () => writer.close() };
}

/** A program alone is a group of one (its own transaction and savepoint); its outcome, unwrapped. */
function aloneIn(group: (programs: Program[]) => Promise<PromiseSettledResult<ProgramResult>[]>) {
  return async (program: Program) => {
    const [outcome] = await group([program]);
    if (outcome!.status === "rejected") throw outcome!.reason;
    return outcome!.value;
  };
}
