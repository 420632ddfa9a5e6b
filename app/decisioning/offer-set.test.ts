import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { offerSetRuleFor, selectOfferSet, type Candidate, type ExclusionReason } from "./offer-set";

type Fake = { label: string };
const standard = (months: number, failed?: ExclusionReason): Candidate<Fake> => ({
  termMonths: months,
  offer: { label: `std${months}` },
  ...(failed ? { failed } : {}),
});
const promo = (months: number, failed?: ExclusionReason): Candidate<Fake> => ({
  termMonths: months,
  offer: { label: `promo${months}` },
  ...(failed ? { failed } : {}),
});
const labels = (selection: { offers: Fake[] }) => selection.offers.map((o) => o.label);

describe("the offer set (ADR 034)", () => {
  const tierA = [standard(12), standard(24), standard(36)];

  it("v2: a 0 % promotion replaces its own term's offer and keeps the longer terms", () => {
    const chosen = selectOfferSet({
      promotional: promo(12),
      standard: tierA,
      maxOffers: 3,
      rule: "v2",
    });
    expect(labels(chosen)).toEqual(["promo12", "std24", "std36"]);
    expect(chosen.considered.find((c) => c.kind === "standard" && c.termMonths === 12)).toEqual({
      kind: "standard",
      termMonths: 12,
      offered: false,
      excludedBecause: "same_term_as_promotional",
    });
  });

  it("v1 (engine 1.0.0): the promotion sat beside the 12-month offer and pushed 36 out", () => {
    const chosen = selectOfferSet({
      promotional: promo(12),
      standard: tierA,
      maxOffers: 3,
      rule: "v1",
    });
    expect(labels(chosen)).toEqual(["promo12", "std12", "std24"]);
    expect(chosen.considered.at(-1)).toMatchObject({
      termMonths: 36,
      excludedBecause: "beyond_max_offers",
    });
  });

  it("v2: a promotion of a term the borrower would not see is an extra place, not a lost one", () => {
    const tierB = [standard(24), standard(36), standard(48), standard(60)];
    const chosen = selectOfferSet({
      promotional: promo(12),
      standard: tierB,
      maxOffers: 3,
      rule: "v2",
    });
    expect(labels(chosen)).toEqual(["promo12", "std24", "std36", "std48"]);
  });

  it("v2: an unaffordable promotion changes nothing; an unaffordable same term is not replaced", () => {
    const without = selectOfferSet({
      promotional: null,
      standard: tierA,
      maxOffers: 3,
      rule: "v2",
    });
    const failedPromo = selectOfferSet({
      promotional: promo(12, "above_payment_to_income"),
      standard: tierA,
      maxOffers: 3,
      rule: "v2",
    });
    expect(labels(failedPromo)).toEqual(labels(without));
    const failed12 = selectOfferSet({
      promotional: promo(12),
      standard: [standard(12, "above_payment_to_income"), standard(24), standard(36)],
      maxOffers: 3,
      rule: "v2",
    });
    expect(labels(failed12)).toEqual(["promo12", "std24", "std36"]);
  });

  it("v2, any tier: the standard terms shown without the promotion are all still there, none twice", () => {
    const term = fc.constantFrom(6, 12, 18, 24, 36, 48, 60);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(term, fc.boolean()), { selector: ([m]) => m, maxLength: 6 }),
        fc.option(fc.tuple(term, fc.boolean()), { nil: null }),
        fc.integer({ min: 2, max: 3 }),
        (terms, promoTerm, maxOffers) => {
          const candidates = terms.map(([m, ok]) => standard(m, ok ? undefined : "above_apr_cap"));
          const promotional = promoTerm
            ? promo(promoTerm[0], promoTerm[1] ? undefined : "below_minimum_payment")
            : null;
          const base = labels(
            selectOfferSet({ promotional: null, standard: candidates, maxOffers, rule: "v2" }),
          );
          const chosen = selectOfferSet({
            promotional,
            standard: candidates,
            maxOffers,
            rule: "v2",
          });
          const shown = labels(chosen);
          const promoShown = promotional && !promotional.failed;
          for (const label of base) {
            // Every term of the promotion-free set is shown, or replaced by the 0 % offer of its term.
            const replaced = promoShown && label === `std${promotional.termMonths}`;
            expect(shown.includes(label) || replaced).toBe(true);
          }
          const terms_ = chosen.offers.map((o) => o.label.replace(/\D/g, ""));
          expect(new Set(terms_).size).toBe(terms_.length);
          expect(shown.length).toBeLessThanOrEqual(maxOffers + 1);
        },
      ),
    );
  });

  it("old snapshots replay with their own rule", () => {
    expect(offerSetRuleFor("1.0.0")).toBe("v1");
    expect(offerSetRuleFor("1.1.0")).toBe("v2");
  });
});
