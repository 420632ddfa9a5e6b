/**
 * The borrower cancels their signed financing from their link (ADR 055): the done page's form.
 * The cancellation itself — loan withdrawn at the lender through the outbox, texts, CRM note —
 * is app/lending/cancel.server.ts's.
 */
import { redirect } from "@remix-run/node";
import type { ApplicationStatus } from "~/db/schema/applications";
import { clientInfo } from "~/app/audit/audit.server";
import { CancelError, cancelSigned, signedCancelable } from "~/app/lending/cancel.server";
import type { Journey } from "./context.server";
import { guardPublicForm } from "./context.server";

/** Signed and nothing requested from the lender's purse yet. */
export function borrowerMayCancel(
  status: ApplicationStatus,
  loan: { disbursementId: string | null } | null | undefined,
) {
  return signedCancelable.has(status) && !loan?.disbursementId;
}

export async function borrowerCancel(request: Request, journey: Journey) {
  const form = await request.formData();
  await guardPublicForm(request, form);
  if (form.get("intent") !== "cancel_financing") {
    throw new Response("Bad Request", { status: 400 });
  }
  if (form.get("confirm") !== "yes") {
    return { error: "Tick the box to confirm that you want to cancel." };
  }
  const client = clientInfo(request);
  try {
    await cancelSigned(journey.database, {
      applicationId: journey.application.id,
      by: "borrower",
      actor: {
        actorType: "borrower",
        actorId: journey.customer.id,
        ip: client.ip,
        userAgent: client.userAgent,
      },
    });
  } catch (error) {
    if (error instanceof CancelError) {
      return {
        error: `It can no longer be canceled here: ${journey.merchant.name} is being paid. Contact ${journey.merchant.name} about a refund.`,
      };
    }
    throw error;
  }
  // The link now answers 410 "You canceled this financing".
  throw redirect(`/apply/${journey.token}`);
}
