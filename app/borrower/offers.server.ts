import { and, asc, desc, eq, isNull } from "drizzle-orm";
import type { Database } from "~/db/client";
import { decisions, offers } from "~/db/schema/index";
import type { Disclosure } from "~/app/decisioning/disclosure";

export type OfferView = {
  id: string;
  termMonths: number;
  apr: string;
  noteRate: string;
  monthlyPaymentCents: number;
  lastPaymentCents: number;
  originationFeeCents: number;
  principalCents: number;
  promotional: boolean;
  disclosure: Disclosure;
};

/** The offers of the application's latest approval, shortest term first. */
export async function currentOffers(
  database: Database,
  applicationId: string,
): Promise<OfferView[]> {
  const decision = await database.db
    .select({ id: decisions.id })
    .from(decisions)
    .where(and(eq(decisions.applicationId, applicationId), eq(decisions.status, "approved")))
    .orderBy(desc(decisions.decidedAt))
    .get();
  if (!decision) return [];
  const rows = await database.db
    .select()
    .from(offers)
    .where(and(eq(offers.decisionId, decision.id), isNull(offers.selectedAt)))
    .orderBy(asc(offers.termMonths));
  return rows.map((o) => ({
    id: o.id,
    termMonths: o.termMonths,
    apr: o.apr,
    noteRate: o.noteRate,
    monthlyPaymentCents: o.monthlyPaymentCents,
    lastPaymentCents: o.lastPaymentCents,
    originationFeeCents: o.originationFeeCents,
    principalCents: o.principalCents,
    promotional: o.promotional,
    disclosure: o.disclosure as unknown as Disclosure,
  }));
}
