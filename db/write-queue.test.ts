import { describe, expect, it } from "vitest";
import { WriteQueue, type GroupRunner, type LaneRunner, type TxWork } from "./write-queue";

/**
 * The queue's own rules, with a recording runner instead of a database (db/client.test.ts runs
 * the same queue on real libSQL): what is grouped, in what order, and how outcomes settle.
 */
function recordingRunner(options: { failGroups?: boolean } = {}) {
  const log: string[] = [];
  const runner: GroupRunner<string> = {
    async single(work) {
      log.push("single");
      return work("tx");
    },
    async group(works: TxWork<string>[]) {
      log.push(`group of ${works.length}`);
      if (options.failGroups) throw new Error("COMMIT failed");
      const outcomes: PromiseSettledResult<unknown>[] = [];
      for (const work of works) {
        try {
          outcomes.push({ status: "fulfilled", value: await work("tx") });
        } catch (reason) {
          outcomes.push({ status: "rejected", reason });
        }
      }
      return outcomes;
    },
  };
  return { log, runner };
}

describe("WriteQueue", () => {
  it("groups the transactions queued in the same turn, up to its limit, in order", async () => {
    const { log, runner } = recordingRunner();
    const queue = new WriteQueue(runner, 4);
    const order: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        queue.transaction(async () => {
          order.push(i);
          return i * 2;
        }),
      ),
    );
    expect(results).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(log).toEqual(["group of 4", "group of 4", "group of 2"]);
    expect(queue.depth).toBe(0);
  });

  it("runs a lone transaction by itself, and raw work alone between groups", async () => {
    const { log, runner } = recordingRunner();
    const queue = new WriteQueue(runner);
    await queue.transaction(async () => "alone");
    const settled = await Promise.all([
      queue.transaction(async () => "a"),
      queue.transaction(async () => "b"),
      queue.run(async () => {
        log.push("raw");
        return "raw";
      }),
      queue.transaction(async () => "c"),
    ]);
    expect(settled).toEqual(["a", "b", "raw", "c"]);
    expect(log).toEqual(["single", "group of 2", "raw", "single"]);
  });

  it("settles each member of a group with its own outcome", async () => {
    const { runner } = recordingRunner();
    const queue = new WriteQueue(runner);
    const outcomes = await Promise.allSettled([
      queue.transaction(async () => "ok"),
      queue.transaction(async () => {
        throw new Error("this one fails");
      }),
      queue.transaction(async () => "also ok"),
    ]);
    expect(outcomes).toEqual([
      { status: "fulfilled", value: "ok" },
      { status: "rejected", reason: new Error("this one fails") },
      { status: "fulfilled", value: "also ok" },
    ]);
  });

  it("rejects every member when the group's transaction fails, and goes on", async () => {
    const failing = recordingRunner({ failGroups: true });
    const queue = new WriteQueue(failing.runner);
    const outcomes = await Promise.allSettled([
      queue.transaction(async () => 1),
      queue.transaction(async () => 2),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected"]);
    expect(await queue.transaction(async () => "next")).toBe("next");
  });

  it("sends the next program groups while one commits, four at most; other writes wait for all", async () => {
    const { log, runner } = recordingRunner();
    const commits: (() => void)[] = [];
    // The writer thread's stand-in: a group commits when the test says so.
    const programs: LaneRunner<string> = {
      single: (name) => {
        log.push(`send ${name}`);
        return new Promise((resolve) =>
          commits.push(() => {
            log.push(`commit ${name}`);
            resolve(name);
          }),
        );
      },
      group: async (names) => {
        log.push(`send ${names.join("+")}`);
        await new Promise<void>((resolve) => commits.push(resolve));
        log.push(`commit ${names.join("+")}`);
        return names.map((value) => ({ status: "fulfilled", value }) as const);
      },
    };
    const queue = new WriteQueue<string, string>(runner, 32, programs);
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    const sent: Promise<unknown>[] = [];
    for (const name of ["p1", "p2", "p3", "p4"]) {
      sent.push(queue.program(name));
      await turn();
      await turn();
    }
    const fifth = queue.program("p5");
    const tx = queue.transaction(async () => {
      log.push("tx");
      return "tx";
    });
    await turn();
    await turn();
    // p1–p4 are all with the writer (ADR 048: the thread commits those that wait together); p5
    // waits for a free slot, the transaction for all of them.
    expect(log).toEqual(["send p1", "send p2", "send p3", "send p4"]);
    commits.shift()!();
    expect(await sent[0]).toBe("p1");
    await turn();
    await turn();
    expect(log.slice(4)).toEqual(["commit p1", "send p5"]);
    while (commits.length > 0) commits.shift()!();
    expect(await Promise.all([...sent.slice(1), fifth, tx])).toEqual([
      "p2",
      "p3",
      "p4",
      "p5",
      "tx",
    ]);
    expect(log.slice(6)).toEqual([
      "commit p2",
      "commit p3",
      "commit p4",
      "commit p5",
      "single",
      "tx",
    ]);
  });
});
