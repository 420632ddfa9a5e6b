/**
 * Which of the priced candidates an applicant is shown (ADR 034). Pure.
 *
 * Rule v2 (engine ≥ 1.1.0):
 * - The standard terms are taken in the tier's order, those that pass the affordability
 *   checks, at most `maxOffers` of them — exactly the set the applicant sees without a promotion.
 * - A merchant plan's 0 % promotional offer, when it passes the same checks, comes first and
 *   *replaces* the standard offer of its own term, in that term's place (0 % beats any rate at
 *   the same term: showing both only invites the worse choice); it never takes the place of
 *   another term. So the longer terms stay, and a promotion whose term is not among the shown
 *   standard terms makes the set one larger than `maxOffers`.
 *
 * Rule v1 (engine 1.0.0, kept so that old decisions replay to the byte): the promotional
 * offer first, then standard terms in order until `maxOffers` offers in all — the promotion
 * sat beside the same-term standard offer and pushed the longest term out.
 */
export type OfferSetRule = "v1" | "v2";

/** The rule the engine of `engineVersion` used (1.0.0 → v1; anything newer → v2). */
export function offerSetRuleFor(engineVersion: string): OfferSetRule {
  return engineVersion === "1.0.0" ? "v1" : "v2";
}

export type ExclusionReason =
  | "below_minimum_payment"
  | "above_payment_to_income"
  | "above_apr_cap"
  | "beyond_max_offers"
  | "same_term_as_promotional";

/** A priced term, with the affordability check's verdict (undefined: it passes). */
export type Candidate<T> = { termMonths: number; offer: T; failed?: ExclusionReason };

export type Selection<T> = {
  offers: T[];
  /** Every candidate in order (promotional first), offered or why not. */
  considered: {
    kind: "standard" | "promotional";
    termMonths: number;
    offered: boolean;
    excludedBecause?: ExclusionReason;
  }[];
};

export function selectOfferSet<T>(args: {
  promotional: Candidate<T> | null;
  standard: readonly Candidate<T>[];
  maxOffers: number;
  rule: OfferSetRule;
}): Selection<T> {
  const offers: T[] = [];
  const considered: Selection<T>["considered"] = [];
  const promo = args.promotional;
  const promoOffered = promo !== null && !promo.failed;
  if (promo) {
    considered.push({
      kind: "promotional",
      termMonths: promo.termMonths,
      offered: promoOffered,
      ...(promo.failed ? { excludedBecause: promo.failed } : {}),
    });
    if (promoOffered) offers.push(promo.offer);
  }
  let standardOffered = 0;
  for (const candidate of args.standard) {
    let excluded = candidate.failed;
    const placesTaken = args.rule === "v1" ? offers.length : standardOffered;
    if (!excluded && placesTaken >= args.maxOffers) excluded = "beyond_max_offers";
    if (
      !excluded &&
      args.rule === "v2" &&
      promoOffered &&
      candidate.termMonths === promo.termMonths
    ) {
      // The promotion holds this term's place: the places of the other terms are untouched.
      excluded = "same_term_as_promotional";
      standardOffered += 1;
    }
    considered.push({
      kind: "standard",
      termMonths: candidate.termMonths,
      offered: !excluded,
      ...(excluded ? { excludedBecause: excluded } : {}),
    });
    if (!excluded) {
      offers.push(candidate.offer);
      standardOffered += 1;
    }
  }
  return { offers, considered };
}
