import { parseWithZod } from "@conform-to/zod/v4";
import { describe, expect, it } from "vitest";
import {
  conditionReviewSchema,
  disputeReleaseSchema,
  fieldErrors,
  queueAssignSchema,
  reviewIntentSchema,
} from "./reviews-forms.server";

/** The review pages' Conform + zod schemas: what an operator's post becomes, and what it says back. */
const form = (entries: Record<string, string | string[]>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(entries))
    for (const value of Array.isArray(v) ? v : [v]) f.append(k, value);
  return f;
};

/** A failed submission's errors as the pages show them ({} for a success). */
const errorsOf = (submission: { status?: string }) =>
  fieldErrors((submission as { error?: Record<string, string[] | null> }).error);

describe("review forms (Conform + zod)", () => {
  it("the review page: intents as a union; an unknown one is an error, not a default", () => {
    expect(parseWithZod(form({ intent: "repull" }), { schema: reviewIntentSchema }).status).toBe(
      "success",
    );
    const unknown = parseWithZod(form({ intent: "delete-everything" }), {
      schema: reviewIntentSchema,
    });
    expect(unknown.status).toBe("error");
    expect(errorsOf(unknown).intent).toBeTruthy();
    const refuse = parseWithZod(
      form({ intent: "reject-proposal", proposalId: "dpr_01kb2c3d4e5f6g7h8j9k0m1n2p", note: "no" }),
      { schema: reviewIntentSchema },
    );
    expect(errorsOf(refuse)).toEqual({ note: "Write a note of 5 to 1,000 characters" });
  });

  it("approve: several offers and conditions are lists; an item's error is its list's", () => {
    const ok = parseWithZod(
      form({
        intent: "approve",
        offer: ["term:standard:24", "term:standard:36"],
        tier: "B",
        condition: ["proof_of_income", "identity_document"],
        notes: "Verified employment",
      }),
      { schema: reviewIntentSchema },
    );
    expect(ok.status === "success" && ok.value).toMatchObject({
      intent: "approve",
      form: {
        offerKeys: ["term:standard:24", "term:standard:36"],
        pricing: { tier: "B", downPaymentCents: 0 },
        conditions: [{ kind: "proof_of_income" }, { kind: "identity_document" }],
      },
    });
    const bad = parseWithZod(
      form({
        intent: "approve",
        offer: ["term:standard:24", "nope"],
        downPayment: "1.234",
        notes: "ok ok",
      }),
      { schema: reviewIntentSchema },
    );
    expect(errorsOf(bad)).toEqual({
      offer: "Unknown offer",
      downPayment: "Enter an amount in dollars, like 500 or 1,250.50",
    });
  });

  it("queue, funding conditions and a held payment", () => {
    expect(
      parseWithZod(form({ reviewId: "mr_01kb2c3d4e5f6g7h8j9k0m1n2p" }), {
        schema: queueAssignSchema,
      }).status,
    ).toBe("success");
    expect(parseWithZod(form({ reviewId: "1 OR 1=1" }), { schema: queueAssignSchema }).status).toBe(
      "error",
    );
    const condition = parseWithZod(
      form({
        intent: "reject",
        conditionId: "cnd_01kb2c3d4e5f6g7h8j9k0m1n2p",
        note: "  Blurry scan  ",
      }),
      { schema: conditionReviewSchema },
    );
    expect(condition.status === "success" && condition.value).toEqual({
      intent: "reject",
      conditionId: "cnd_01kb2c3d4e5f6g7h8j9k0m1n2p",
      note: "Blurry scan",
    });
    const short = parseWithZod(form({ note: "ok" }), { schema: disputeReleaseSchema });
    expect(errorsOf(short)).toEqual({ note: "Write a note of 5 to 1,000 characters" });
    const missing = parseWithZod(form({}), { schema: disputeReleaseSchema });
    expect(errorsOf(missing)).toEqual({ note: "Write a note of 5 to 1,000 characters" });
  });
});
