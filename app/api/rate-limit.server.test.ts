import { afterAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "~/db/testing";
import { createRateLimiter, leaseSize } from "./rate-limit.server";

/**
 * The shared rate limiter (ADR 084) on a real database file: two limiters with the same name
 * stand for two processes (each has its own memory; they share only the database).
 */
const database = await createTestDatabase();
afterAll(() => database.destroy());
const shared = { database: async () => database };

describe("createRateLimiter", () => {
  it("counts one budget for every process: alternating between two lets the limit through once", async () => {
    const a = createRateLimiter("t-alternate", 5, shared);
    const b = createRateLimiter("t-alternate", 5, shared);
    const outcomes = [];
    for (let i = 0; i < 8; i++) outcomes.push(await (i % 2 ? b : a).consume("key:1"));
    expect(outcomes.map((o) => o.allowed)).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
    expect(outcomes.slice(0, 5).map((o) => o.headers["RateLimit-Remaining"])).toEqual([
      "4",
      "3",
      "2",
      "1",
      "0",
    ]);
    const refusal = outcomes[5]!.headers;
    expect(Number(refusal["Retry-After"])).toBeGreaterThanOrEqual(1);
    expect(refusal["RateLimit-Limit"]).toBe("5");
    // Another key, and the same key under another name, have budgets of their own.
    expect((await a.consume("key:2")).allowed).toBe(true);
    expect((await createRateLimiter("t-other", 5, shared).consume("key:1")).allowed).toBe(true);
  });

  it("takes leases: one write per slice, never more than the limit through all processes", async () => {
    const limit = 100;
    expect(leaseSize(limit)).toBe(5);
    const processes = [0, 1, 2].map(() => createRateLimiter("t-lease", limit, shared));
    let allowed = 0;
    // Concurrent requests, spread over three processes.
    const requests = Array.from({ length: 150 }, (_, i) =>
      processes[i % 3]!.consume("ip:203.0.113.9").then((o) => (allowed += o.allowed ? 1 : 0)),
    );
    await Promise.all(requests);
    expect(allowed).toBeLessThanOrEqual(limit);
    // At most (processes − 1) × (lease − 1) lost to other processes' unused leases.
    expect(allowed).toBeGreaterThanOrEqual(limit - 2 * (leaseSize(limit) - 1));
    const row = await database.client.execute({
      sql: "SELECT used FROM rate_limit_windows WHERE key = ?",
      args: ["t-lease|ip:203.0.113.9"],
    });
    expect(Number(row.rows[0]!.used)).toBe(limit);
  });

  it("peek says what is left without using it", async () => {
    const limiter = createRateLimiter("t-peek", 2, shared);
    expect((await limiter.peek("k")).allowed).toBe(true);
    expect((await limiter.peek("k")).headers["RateLimit-Remaining"]).toBe("2");
    await limiter.consume("k");
    await limiter.consume("k");
    expect((await limiter.consume("k")).allowed).toBe(false);
    const peeked = await limiter.peek("k");
    expect(peeked.allowed).toBe(false);
    expect(peeked.headers["Retry-After"]).toBeDefined();
  });

  it("starts a key's window again once a minute has passed since it began", async () => {
    const limiter = createRateLimiter("t-window", 1, shared);
    expect((await limiter.consume("k")).allowed).toBe(true);
    expect((await limiter.consume("k")).allowed).toBe(false);
    // The window as another process would find it a minute later: ended.
    await database.writeProgram({
      steps: [
        {
          sql: "UPDATE rate_limit_windows SET window_start = window_start - 60000 WHERE key = ?",
          args: ["t-window|k"],
        },
      ],
    });
    const later = createRateLimiter("t-window", 1, shared);
    expect((await later.consume("k")).allowed).toBe(true);
  });

  it("counts in the process alone while the shared counter cannot be written", async () => {
    const broken = createRateLimiter("t-broken", 2, {
      database: () => Promise.reject(new Error("database unavailable")),
    });
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push((await broken.consume("k")).allowed);
    expect(outcomes).toEqual([true, true, false]);
  });
});
