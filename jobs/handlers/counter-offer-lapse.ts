import { lapseCounterOffer } from "~/app/ops/counter-offer.server";
import type { JobHandler } from "~/jobs/registry";
import type { counterOfferLapseJob } from "./counter-offer-lapse.definition";

/** Ends an unanswered counter-offer as declined, with its notice (ADR 077). */
export const handleCounterOfferLapse: JobHandler<typeof counterOfferLapseJob.schema> = async (
  payload,
  context,
) => {
  const outcome = await lapseCounterOffer(context.database, payload.counterOfferId);
  context.logger.info(
    { counter_offer_id: payload.counterOfferId, outcome },
    "counter-offer lapse done",
  );
};
