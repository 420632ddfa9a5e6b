import { newId } from "~/db/ids";
import { operators } from "~/db/schema/index";
import { createTestDatabase } from "~/db/testing";
import { ensureDecisioningDefaults } from "~/app/decisioning/seed.server";
import type { OperatorActor } from "./rules.server";

/**
 * For the rules and pricing editors' tests: a fresh database with the default rule set and
 * pricing published, and a risk analyst (a real operators row) acting from `ip`.
 */
export async function analystDatabase(analyst: { email: string; name: string; ip: string }) {
  const database = await createTestDatabase();
  await ensureDecisioningDefaults(database);
  const operatorId = newId("op");
  await database.write((tx) =>
    tx.insert(operators).values({
      id: operatorId,
      email: analyst.email,
      name: analyst.name,
      role: "risk_analyst",
      passwordHash: "unused",
    }),
  );
  const actor: OperatorActor = {
    actorType: "operator",
    actorId: operatorId,
    ip: analyst.ip,
    userAgent: "vitest",
  };
  return { database, actor, operatorId };
}
