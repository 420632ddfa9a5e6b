import type { Database } from "~/db/client";
import { newId } from "~/db/ids";
import { ApiFailure } from "~/app/api/body.server";
import { offerFinancing, type OfferCaller } from "~/app/crm/offer-financing.server";
import { createPrequalification } from "~/app/prequal/prequalifications.server";
import { queueEmail } from "~/app/messaging/email.server";
import { isOptedOut } from "~/app/messaging/sms.server";
import { formatMoney } from "~/app/money/dollars";
import { nudgeRunner } from "~/jobs/nudge.server";
import type { SendLinkForm } from "./forms";
import type { PortalScope } from "./scope.server";

export type SendLinkResult =
  | {
      ok: true;
      /** The application opened (null for a prequalification: it has none yet). */
      applicationId: string | null;
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
 * created, instead of the text. A prequalification link ("up to how much?", no amount) goes
 * through the API's createPrequalification the same way.
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
      message: "This merchant account is suspended: no links can be sent. Contact FlowPay.",
    };
  }
  const bySms = form.channel === "sms";
  const caller: OfferCaller = {
    merchant,
    keyId: context.userId,
    actorType: "merchant_user",
    ip: context.client.ip,
    userAgent: context.client.userAgent,
  };
  const customer = {
    first_name: form.firstName,
    last_name: form.lastName,
    phone: form.phone,
    ...(form.email ? { email: form.email } : {}),
  };
  const crm_customer_id = `portal-${newId("cus")}`;
  let sent: { applicationId: string | null; url: string; expiresAt: string; texted: boolean };
  try {
    if (form.kind === "prequalification") {
      const result = await createPrequalification(
        database,
        caller,
        { crm: "portal", crm_customer_id, customer, send_sms: bySms },
        null,
      );
      const answer = JSON.parse(result.body) as { apply_url: string; expires_at: string };
      sent = {
        applicationId: null,
        url: answer.apply_url,
        expiresAt: answer.expires_at,
        // The intake suppresses the text to a number that replied STOP; say so as for financing.
        texted: bySms && !(await isOptedOut(database.db, form.phone)),
      };
    } else {
      const result = await offerFinancing(
        database,
        caller,
        {
          crm: "portal",
          crm_customer_id,
          customer,
          job: {
            crm_job_id: `portal-${newId("job")}`,
            estimate_cents: form.amount!,
            ...(form.description ? { description: form.description } : {}),
          },
          send_sms: bySms,
        },
        null,
      );
      const answer = JSON.parse(result.body) as {
        application_id: string;
        apply_url: string;
        expires_at: string;
        sms_status: string;
      };
      sent = {
        applicationId: answer.application_id,
        url: answer.apply_url,
        expiresAt: answer.expires_at,
        texted: answer.sms_status === "queued",
      };
    }
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
  if (bySms) {
    return {
      ok: true,
      applicationId: sent.applicationId,
      delivery: sent.texted ? "text_queued" : "text_suppressed",
    };
  }
  const until = `The link works until ${sent.expiresAt.slice(0, 16).replace("T", " ")} UTC.`;
  await database.write((tx) =>
    queueEmail(tx, {
      to: form.email!,
      ...(form.kind === "prequalification"
        ? {
            template: "portal_prequal_link",
            subject: `${merchant.name}: see how much you could finance`,
            text: `${merchant.name} invites you to see how much you could finance through FlowPay. Checking uses a soft inquiry and is not a commitment to lend.\n\nCheck in about 2 minutes: ${sent.url}\n\n${until}`,
          }
        : {
            template: "portal_apply_link",
            subject: `${merchant.name} offers financing for your job`,
            text: `${merchant.name} offers financing through FlowPay for your ${formatMoney(form.amount!)} job.\n\nApply in about 2 minutes: ${sent.url}\n\n${until}`,
          }),
      applicationId: sent.applicationId,
      merchantId: merchant.id,
    }),
  );
  nudgeRunner();
  return { ok: true, applicationId: sent.applicationId, delivery: "email_queued" };
}
