import { and, eq, gte } from "drizzle-orm";
import type { Database } from "~/db/client";
import { decisions, messages } from "~/db/schema/index";
import { messageBorrower } from "./message-borrower.server";

/**
 * Tells the borrower their decision is ready, once per decision (the job may run again after a
 * crash: the message row is the marker). The text carries no link — the link token exists only
 * in the borrower's earlier text — and opted-out numbers are suppressed by the send job.
 */
export async function notifyDecision(
  database: Database,
  applicationId: string,
  decisionId: string,
) {
  await database.write(async (tx) => {
    const decision = await tx.select().from(decisions).where(eq(decisions.id, decisionId)).get();
    if (!decision) return;
    const already = await tx
      .select({ id: messages.id })
      .from(messages)
      .where(
        and(
          eq(messages.applicationId, applicationId),
          eq(messages.template, "decision_ready"),
          gte(messages.createdAt, decision.decidedAt),
        ),
      )
      .get();
    if (already) return;
    await messageBorrower(tx, applicationId, ({ merchant }) => ({
      sms: { template: "decision_ready", merchantName: merchant.name, status: decision.status },
    }));
  });
}
