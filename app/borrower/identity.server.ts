import { isPartnerError } from "~/adapters/shared/errors";
import type { clientInfo } from "~/app/audit/audit.server";
import { appUrl } from "~/app/config/env.server";
import { logger } from "~/app/observability/logger.server";
import type { Journey } from "./context.server";
import { pagePath } from "./journey";
import { getIdentity } from "./partners.server";
import { recordInquiry, saveIdentity } from "./steps.server";

const finished = new Set([
  "completed",
  "approved",
  "declined",
  "needs_review",
  "failed",
  "expired",
]);

/** Starts a hosted identity check and returns where to send the borrower (works without JavaScript). */
/** Without an identity partner (production, unconfigured) the step records that and moves on. */
export async function skipIdentityCheck(journey: Journey, client: ReturnType<typeof clientInfo>) {
  await saveIdentity(journey, "unavailable", client);
}

export async function startIdentityCheck(
  journey: Journey,
): Promise<{ ok: true; url: string; inquiryId: string } | { ok: false; message: string }> {
  const identity = getIdentity();
  if (!identity) return { ok: false, message: "unavailable" };
  try {
    const attempt = Date.now().toString(36);
    const { inquiryId, hostedUrl } = await identity.createInquiry({
      referenceId: journey.application.id,
      redirectUrl: `${appUrl().replace(/\/$/, "")}${pagePath(journey.token, "identity")}`,
      name: { first: journey.customer.firstName, last: journey.customer.lastName },
      idempotencyKey: `kyc:${journey.application.id}:${attempt}`,
      signal: AbortSignal.timeout(15_000),
    });
    await recordInquiry(journey, inquiryId);
    return { ok: true, url: hostedUrl, inquiryId };
  } catch (error) {
    if (!isPartnerError(error)) throw error;
    logger.warn(
      { err: { message: error.message, code: error.code } },
      "identity check could not start",
    );
    return {
      ok: false,
      message: "Our identity partner isn't responding. Please try again in a minute.",
    };
  }
}

/**
 * The borrower came back from the hosted flow. The inquiry id in the URL is theirs to edit, so
 * it must be the one we stored, and the status always comes from Persona, never from the URL.
 */
export async function finishIdentityCheck(
  journey: Journey,
  returnedInquiryId: string,
  client: ReturnType<typeof clientInfo>,
): Promise<"done" | "pending" | "mismatch" | "unavailable"> {
  if (!journey.application.kycInquiryId || returnedInquiryId !== journey.application.kycInquiryId)
    return "mismatch";
  const identity = getIdentity();
  if (!identity) return "unavailable";
  try {
    const result = await identity.getInquiry(returnedInquiryId, AbortSignal.timeout(15_000));
    if (!finished.has(result.status)) return "pending";
    await saveIdentity(journey, result.status, client);
    return "done";
  } catch (error) {
    if (!isPartnerError(error)) throw error;
    return "unavailable";
  }
}

/**
 * Identity inline (issue 17): right after the bank step the check is started on the server, and
 * when the provider answers at once (a database check, the sandbox) its result is stored and the
 * borrower never sees an identity page. A provider that needs its hosted flow (document and
 * selfie) answers "not finished": then the identity page explains and opens it. Without a
 * provider the step is recorded as unavailable, as the identity page does.
 */
export async function verifyIdentityInline(
  journey: Journey,
  client: ReturnType<typeof clientInfo>,
): Promise<{ kind: "done" } | { kind: "hosted"; url: string } | { kind: "page" }> {
  const identity = getIdentity();
  if (!identity) {
    await skipIdentityCheck(journey, client);
    return { kind: "done" };
  }
  const started = await startIdentityCheck(journey);
  // Not started (the partner is down): the identity page says so and offers to try again.
  if (!started.ok) return { kind: "page" };
  try {
    const result = await identity.getInquiry(started.inquiryId, AbortSignal.timeout(5_000));
    // Its hosted flow, for this very inquiry (no second one): it brings the borrower back.
    if (!finished.has(result.status)) return { kind: "hosted", url: started.url };
    await saveIdentity(journey, result.status, client);
    return { kind: "done" };
  } catch (error) {
    if (!isPartnerError(error)) throw error;
    return { kind: "hosted", url: started.url };
  }
}
