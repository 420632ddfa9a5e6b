import type { Database } from "~/db/client";
import { newId } from "~/db/ids";
import { ApiFailure } from "~/app/api/body.server";
import { offerFinancing } from "~/app/crm/offer-financing.server";
import { queueEmail } from "~/app/messaging/email.server";
import { formatMoney } from "~/app/money/dollars";
import { nudgeRunner } from "~/jobs/nudge.server";
import type { SendLinkForm } from "./forms";
import type { PortalScope } from "./scope.server";

export type SendLinkResult =
  | {
      ok: true;
      applicationId: string;
      /** What happened to the message: queued, or (text) the number opted out. */
      delivery: "text_queued" | "email_queued" | "text_suppressed";
    }
  | { ok: false; field: string; message: string };

/**
 * "Send a financing link" from the portal (no CRM needed): the CRM API's own offerFinancing
 * (app/crm/offer-financing.server.ts) opens the application — same amount limits, link, text,
 * TCPA attestation and audit, with the merchant user as the actor and `crm: "portal"` (nothing
 * to write back). Each send is a new customer record and job (ids `portal-…`): the portal has no
 * CRM ids to match. By e-mail, the link goes in an e-mail queued right after the application is
 * created, instead of the text.
 */
export async function sendFinancingLink(
  database: Database,
  context: {
    scope: PortalScope;
    userId: string;
    client: { ip: string | null; userAgent: string | null };
  },
  form: SendLinkForm,
): Promise<SendLinkResult> {
  const merchant = await context.scope.merchant(database.db);
  if (!merchant) throw new Error(`No merchant ${context.scope.merchantId}`);
  // The API refuses a suspended merchant's keys (403); the portal refuses its links the same.
  if (merchant.status !== "active") {
    return {
      ok: false,
      field: "form",
      message:
        "This merchant account is suspended: no financing links can be sent. Contact FlowPay.",
    };
  }
  const bySms = form.channel === "sms";
  let result;
  try {
    result = await offerFinancing(
      database,
      {
        merchant,
        keyId: context.userId,
        actorType: "merchant_user",
        ip: context.client.ip,
        userAgent: context.client.userAgent,
      },
      {
        crm: "portal",
        crm_customer_id: `portal-${newId("cus")}`,
        customer: {
          first_name: form.firstName,
          last_name: form.lastName,
          phone: form.phone,
          ...(form.email ? { email: form.email } : {}),
        },
        job: {
          crm_job_id: `portal-${newId("job")}`,
          estimate_cents: form.amount,
          ...(form.description ? { description: form.description } : {}),
        },
        send_sms: bySms,
      },
      null,
    );
  } catch (error) {
    if (error instanceof ApiFailure) {
      const body = (await error.response.json()) as {
        error: { message: string; details?: { path: string; message: string }[] };
      };
      const detail = body.error.details?.[0];
      const field = detail?.path === "job.estimate_cents" ? "amount" : "form";
      return { ok: false, field, message: detail?.message ?? body.error.message };
    }
    throw error;
  }
  const answer = JSON.parse(result.body) as {
    application_id: string;
    apply_url: string;
    expires_at: string;
    sms_status: string;
  };
  if (bySms) {
    return {
      ok: true,
      applicationId: answer.application_id,
      delivery: answer.sms_status === "queued" ? "text_queued" : "text_suppressed",
    };
  }
  await database.write((tx) =>
    queueEmail(tx, {
      to: form.email!,
      template: "portal_apply_link",
      subject: `${merchant.name} offers financing for your job`,
      text: `${merchant.name} offers financing through FlowPay for your ${formatMoney(form.amount)} job.\n\nApply in about 2 minutes: ${answer.apply_url}\n\nThe link works until ${answer.expires_at.slice(0, 16).replace("T", " ")} UTC.`,
      applicationId: answer.application_id,
      merchantId: merchant.id,
    }),
  );
  nudgeRunner();
  return { ok: true, applicationId: answer.application_id, delivery: "email_queued" };
}
