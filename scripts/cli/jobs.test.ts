import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createTestDatabase } from "~/db/testing";
import { enqueue } from "~/jobs/enqueue.server";
import { defineJob } from "~/jobs/registry";
import { getEnv } from "~/app/config/env.server";
import jobs from "./jobs";
import type { CommandContext } from "./registry";

const smsJob = defineJob({ kind: "send-sms", schema: z.object({ to: z.string() }) });

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;
let database: TestDatabase;
let ctx: CommandContext;

beforeAll(async () => {
  database = await createTestDatabase();
  ctx = {
    env: getEnv(),
    json: false,
    actor: { actorType: "cli", actorId: "ops-bob" },
    database: async () => database,
  };
});
afterAll(() => database.destroy());

const command = (name: string) => jobs.commands.find((c) => c.name === name)!;

async function deadJob() {
  const { id } = await database.write((tx) => enqueue(tx, smsJob, { to: "+15550100" }));
  await database.serialized(() =>
    database.client.execute({
      sql: "UPDATE outbox SET state = 'dead', attempts = 1, last_error = 'PermanentError: HTTP 400' WHERE id = ?",
      args: [id],
    }),
  );
  return id;
}

describe("npm run flowpay -- jobs …", () => {
  it("jobs stats: counts per kind", async () => {
    const id = await deadJob();
    const result = await command("stats").run([], ctx);
    expect(result.text).toMatch(/send-sms\s+0\s+0\s+0\s+1\s+0/);
    expect(result.json).toMatchObject({ totals: { dead: 1 } });
    await command("dead").run(["discard", String(id)], ctx);
  });

  it("jobs dead list | retry <id> | discard <id>", async () => {
    const first = await deadJob();
    const second = await deadJob();
    const listed = await command("dead").run(["list"], ctx);
    expect(listed.text).toContain("2 dead jobs, newest first:");
    expect(listed.text).toContain(`#${second}  send-sms  1/5 attempts`);
    expect(listed.text).toContain("PermanentError: HTTP 400");
    expect(listed.text).not.toContain("+15550100");
    const withPayload = await command("dead").run(["list", "--payload", "--limit", "1"], ctx);
    expect(withPayload.text).toContain("+15550100");

    expect((await command("dead").run(["retry", String(first)], ctx)).text).toBe(
      `Job #${first} is back in the queue.\n  kind  send-sms`,
    );
    expect((await command("dead").run(["discard", String(second)], ctx)).json).toEqual({
      discarded: { id: second, kind: "send-sms" },
    });
    expect((await command("dead").run(["list"], ctx)).text).toBe("No dead jobs.");
  });

  it("refuses bad invocations with usage errors, and unknown ids as not found", async () => {
    await expect(command("dead").run([], ctx)).rejects.toThrow(/Expected list\|retry\|discard/);
    await expect(command("dead").run(["retry"], ctx)).rejects.toThrow(/Missing argument <id>/);
    await expect(command("dead").run(["retry", "abc"], ctx)).rejects.toThrow(/must be a job id/);
    await expect(command("dead").run(["retry", "1", "--kind", "x"], ctx)).rejects.toThrow(
      /go with "dead list" only/,
    );
    const error = await command("dead")
      .run(["discard", "999999"], ctx)
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe("NotFoundError");
  });
});
