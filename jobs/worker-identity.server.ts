import { randomBytes } from "node:crypto";
import { readlinkSync } from "node:fs";
import { hostname } from "node:os";

/**
 * Who holds a lease (outbox.locked_by), precisely enough for a restarting process to tell that
 * the holder is dead and take its jobs back at once instead of after the lease (ADR 071):
 *
 *   <host>:<pid>:<start>:<random>
 *
 * `host` is the host name plus, on Linux, the process's pid namespace (two containers that
 * share a host name have different pid namespaces, and a pid means nothing across them);
 * `start` is when the process started (base 36 ms), so a process that reuses a dead one's pid —
 * a container's pid 1 after a restart — is not mistaken for it. Ids that are not in this form
 * (tests' "w1", runners from before ADR 071) are never judged dead: their leases expire.
 */
export type WorkerIdentity = { host: string; pid: number; start: string };

function pidNamespace(): string {
  try {
    // "pid:[4026531836]" → "4026531836"
    return readlinkSync("/proc/self/ns/pid").replace(/\D/g, "");
  } catch {
    return ""; // not Linux: the host name alone
  }
}

/** This process, computed once. */
export const thisProcess: WorkerIdentity = {
  host: [hostname().replaceAll(":", "_"), pidNamespace()].filter(Boolean).join("~"),
  pid: process.pid,
  start: Math.round(performance.timeOrigin).toString(36),
};

/** A new worker id for a runner of this process. */
export function newWorkerId(self: WorkerIdentity = thisProcess): string {
  return `${self.host}:${self.pid}:${self.start}:${randomBytes(3).toString("hex")}`;
}

export function parseWorkerId(id: string): WorkerIdentity | undefined {
  const parts = id.split(":");
  if (parts.length !== 4) return undefined;
  const [host, pid, start, random] = parts as [string, string, string, string];
  if (!host || !/^[1-9]\d*$/.test(pid) || !/^[0-9a-z]+$/.test(start) || !random) return undefined;
  return { host, pid: Number(pid), start };
}

/** Does a process with this pid exist (here)? EPERM: it does, it is someone else's. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/**
 * Is the worker that wrote `id` certainly dead? Only a worker of this host (and pid namespace)
 * can be judged: it is dead when its pid no longer exists, or when its pid is this process's
 * own but its start time is not (this process took over a dead one's pid). A live pid of another
 * process is given the benefit of the doubt (it may be a reuse; then the lease expires as before).
 */
export function workerIsDead(
  id: string,
  self: WorkerIdentity = thisProcess,
  alive: (pid: number) => boolean = pidAlive,
): boolean {
  const worker = parseWorkerId(id);
  if (!worker || worker.host !== self.host) return false;
  if (worker.pid === self.pid) return worker.start !== self.start;
  return !alive(worker.pid);
}
