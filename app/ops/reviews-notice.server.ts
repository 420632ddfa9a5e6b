import type { Database } from "../../db/client";
import { deliverAdverseActionNotice } from "~/borrower/notice-delivery.server";
import type { Resolution } from "./reviews.server";

/**
 * After a decline by an underwriter has committed: the adverse action notice as a PDF (kept in
 * documents) and its e-mail — the same delivery as an automatic decline's (lending.md: the
 * notice goes out at once). The decision text was queued in the decline's own transaction.
 */
export async function deliverReviewDeclineNotice(database: Database, resolution: Resolution) {
  if (!resolution.noticeId) return null;
  const decision = await database.db.query.decisions.findFirst({
    where: (d, { eq }) => eq(d.id, resolution.decisionId),
  });
  if (!decision) return null;
  return deliverAdverseActionNotice(database, decision.applicationId);
}
