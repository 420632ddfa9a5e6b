/**
 * Refunds after funding against a real database: never more than was funded, even when two
 * requests race; Idempotency-Key replays; the merchant's scope; the ledger moves once, on the
 * lender's confirmation, with the fee returned in proportion.
 */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { newId } from "~/db/ids";
import { loans } from "~/db/schema/index";

const { appDatabase, createMerchant } = await import("~/scripts/testing/app-harness");
const { signedApplication } = await import("./test-helpers");
const { completeRefund, requestRefund, RefundError } = await import("./refunds.server");
const { merchantBalances } = await import("./ledger.server");

const database = await appDatabase();
const merchant = await createMerchant({ name: "Acme Pest Control", merchantFeeBps: 300 });
const other = await createMerchant({ name: "Bugs Begone" });

let n = 0;
/**
 * A signed application with its loan funded, written as the create-loan job and the lender's
 * loan.funded webhook leave it (amounts of the signed offer: $7,500, 3 % merchant fee).
 */
async function fundedLoan() {
  n += 1;
  const signed = await signedApplication(merchant.key, {
    crmCustomerId: `RF-${n}-${Date.now()}`,
    crmJobId: `RF-JOB-${n}-${Date.now()}`,
  });
  const amountCents = 750_000;
  const merchantFeeCents = 22_500;
  const loan = {
    id: newId("loan"),
    applicationId: signed.applicationId,
    offerId: signed.offer.id,
    merchantId: merchant.id,
    lender: "mock",
    status: "funded" as const,
    principalCents: amountCents,
    amountCents,
    merchantFeeCents,
    disbursementCents: amountCents - merchantFeeCents,
    fundedAmountCents: amountCents - merchantFeeCents,
    fundedAt: new Date(),
    paymentSchedule: [],
  };
  await database.write((tx) => tx.insert(loans).values(loan));
  return loan;
}

const ask = (loanId: string, amountCents: number, key: string, merchantId = merchant.id) =>
  requestRefund(database, {
    merchantId,
    loanId,
    amountCents,
    reason: "Job canceled",
    idempotencyKey: key,
  });

describe("refunds", () => {
  it("never refunds more than was funded, even when two requests race for the rest", async () => {
    const loan = await fundedLoan();
    const sixty = Math.round(loan.amountCents * 0.6);
    const outcomes = await Promise.allSettled([
      ask(loan.id, sixty, "race-a"),
      ask(loan.id, sixty, "race-b"),
    ]);
    const ok = outcomes.filter((o) => o.status === "fulfilled");
    const refused = outcomes.filter((o) => o.status === "rejected") as PromiseRejectedResult[];
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.reason).toBeInstanceOf(RefundError);
    expect((refused[0]!.reason as InstanceType<typeof RefundError>).code).toBe("validation_failed");
    // What is left can still be refunded, to the cent, and not a cent more.
    await ask(loan.id, loan.amountCents - sixty, "rest");
    await expect(ask(loan.id, 1, "one-more")).rejects.toMatchObject({ code: "validation_failed" });
  });

  it("answers the same Idempotency-Key with the same refund, and refuses it for another", async () => {
    const loan = await fundedLoan();
    const first = await ask(loan.id, 10_000, "same-key");
    const again = await ask(loan.id, 10_000, "same-key");
    expect(again.replayed).toBe(true);
    expect(again.refund.id).toBe(first.refund.id);
    await expect(ask(loan.id, 20_000, "same-key")).rejects.toMatchObject({
      code: "idempotency_conflict",
    });
  });

  it("another merchant's loan is not found; a loan not yet funded cannot be refunded", async () => {
    const loan = await fundedLoan();
    await expect(ask(loan.id, 100, "foreign", other.id)).rejects.toMatchObject({
      code: "not_found",
    });
    await database.write((tx) =>
      tx.update(loans).set({ status: "pending_funding" }).where(eq(loans.id, loan.id)),
    );
    await expect(ask(loan.id, 100, "unfunded")).rejects.toMatchObject({ code: "invalid_state" });
    await expect(ask(loan.id, 0, "zero")).rejects.toMatchObject({ code: "validation_failed" });
  });

  it("on confirmation the merchant repays the refund less its share of the fee — once", async () => {
    const loan = await fundedLoan();
    const before = await merchantBalances(database, merchant.id);
    const half = Math.floor(loan.amountCents / 2);
    const { refund } = await ask(loan.id, half, "half");
    const done = await completeRefund(database, refund.id);
    expect(done.alreadyCompleted).toBe(false);
    const feeShare = Math.floor((loan.merchantFeeCents * half) / loan.amountCents);
    expect(done.refund.feeReturnedCents).toBe(feeShare);
    const after = await merchantBalances(database, merchant.id);
    expect(after.refundedCents - before.refundedCents).toBe(half - feeShare);
    expect(before.owedToMerchantCents - after.owedToMerchantCents).toBe(half - feeShare);
    // A repeated confirmation (a lender webhook delivered twice) moves nothing.
    expect((await completeRefund(database, refund.id)).alreadyCompleted).toBe(true);
    expect(await merchantBalances(database, merchant.id)).toEqual(after);
  });

  it("the last refund returns exactly the rest of the fee", async () => {
    const loan = await fundedLoan();
    const third = Math.floor(loan.amountCents / 3);
    const a = await ask(loan.id, third, "t1");
    const b = await ask(loan.id, loan.amountCents - third, "t2");
    const fa = (await completeRefund(database, a.refund.id)).refund.feeReturnedCents!;
    const fb = (await completeRefund(database, b.refund.id)).refund.feeReturnedCents!;
    expect(fa + fb).toBe(loan.merchantFeeCents);
  });
});
