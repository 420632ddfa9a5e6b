import type { SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { UnsupportedReasonError } from "~/app/decisioning/underwriter.server";
import { getDatabase } from "~/app/db.server";
import { formatMoney } from "~/app/money/dollars";
import { shortTime } from "~/app/ops/applications-view";
import { counterNotesLimits, outOfPocketCents } from "~/app/ops/counter-offer";
import {
  CounterOfferInputError,
  counterOfferSchema,
  loadCounterOfferPage,
  makeCounterOffer,
} from "~/app/ops/counter-offer.server";
import { requireAction, requirePermission } from "~/app/ops/guard.server";
import { OpsShell } from "~/app/ops/layout";
import { DataTable } from "~/app/ops/page-ui";
import { can } from "~/app/ops/permissions";
import { reasonText } from "~/app/ops/reviews";
import { ReviewNotFoundError, ReviewStateError } from "~/app/ops/reviews.server";
import { FieldError, FormAlert } from "~/app/ui/fields";
import { IntentButton } from "~/app/ui/intent-button";

/**
 * FlowOps: a counter-offer (issue 18, ADR 077) — a lower amount and/or another tier, priced by
 * the real offer rules (a GET "Price it" shows the offers), then sent with the reasons the
 * evidence supports and a note. The borrower accepts it by signing one of its plans or declines it.
 */
export const meta: MetaFunction = () => [{ title: "Counter-offer — FlowOps" }];

export const headers = () => ({ "Cache-Control": "no-store" });

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "read:review");
  const url = new URL(request.url);
  const page = await loadCounterOfferPage(
    await getDatabase(),
    params.reviewId ?? "",
    url.searchParams,
  );
  if (!page) throw new Response("Not Found", { status: 404 });
  const { review, application, customer } = page.loaded;
  return {
    operator: { id: operator.id, name: operator.name, email: operator.email, role: operator.role },
    canOffer:
      can(operator.role, "resolve:review") &&
      review.assignedTo === operator.id &&
      (review.status === "assigned" || review.status === "pending") &&
      application.status === "manual_review",
    reviewStatus: review.status,
    reviewId: review.id,
    customerName: `${customer.firstName} ${customer.lastName}`,
    requestedAmountCents: application.amountCents,
    sent: url.searchParams.get("done") === "sent",
    originalTier: page.originalTier,
    tiers: page.tiers,
    reasons: page.reasons.map((r) => ({ ...r, text: reasonText(r.code) })),
    input: page.input,
    preview: page.preview,
    previewError: page.previewError,
    counterOffers: page.counterOffers,
  };
}

type ActionResult = { result: SubmissionResult<string[]>; formError: string | null };

export async function action({ request, params }: ActionFunctionArgs) {
  const { operator } = await requireAction(request, "resolve:review");
  const reviewId = params.reviewId ?? "";
  const submission = parseWithZod(await request.formData(), { schema: counterOfferSchema });
  if (submission.status !== "success") {
    return data<ActionResult>({ result: submission.reply(), formError: null }, { status: 422 });
  }
  try {
    await makeCounterOffer(await getDatabase(), {
      reviewId,
      operatorId: operator.id,
      form: submission.value,
      client: clientInfo(request),
    });
  } catch (error) {
    if (error instanceof ReviewNotFoundError) throw new Response("Not Found", { status: 404 });
    if (error instanceof CounterOfferInputError) {
      const result = submission.reply({ fieldErrors: { [error.field]: [error.message] } });
      return data<ActionResult>({ result, formError: null }, { status: 422 });
    }
    if (error instanceof ReviewStateError || error instanceof UnsupportedReasonError) {
      return data<ActionResult>(
        { result: submission.reply(), formError: error.message },
        { status: 409 },
      );
    }
    throw error;
  }
  return redirect(`/ops/reviews/${reviewId}/counter-offer?done=sent`);
}

export default function CounterOffer() {
  const d = useLoaderData<typeof loader>();
  const actionData = useActionData<ActionResult>();
  const busy = useNavigation().state === "submitting";
  const errors = (actionData?.result?.error ?? {}) as Record<string, string[] | null>;
  const typed = (actionData?.result?.initialValue ?? {}) as Record<string, unknown>;
  const typedReasons = new Set(
    ([] as unknown[]).concat(typed.reasonCodes ?? []).map((code) => String(code)),
  );
  const amountError = errors.amount ?? errors.tier ?? null;
  return (
    <OpsShell
      operator={d.operator}
      title={`Counter-offer: ${d.customerName}`}
      notice={d.sent ? "Counter-offer sent: the borrower is texted and e-mailed." : null}
    >
      <p>
        <Link to={`/ops/reviews/${d.reviewId}`}>Back to the review</Link> · asked{" "}
        {formatMoney(d.requestedAmountCents)}, engine tier {d.originalTier ?? "none"}
      </p>
      <FormAlert message={actionData?.formError} />
      {d.counterOffers.length > 0 ? (
        <DataTable caption="Counter-offers" columns={["Made", "Amount", "Tier", "Borrower"]}>
          {d.counterOffers.map((c) => (
            <tr key={c.id} data-testid="counter-offer" data-status={c.status}>
              <td>{shortTime(c.createdAt)}</td>
              <td>{formatMoney(c.amountCents)}</td>
              <td>{c.tier}</td>
              <td>
                {c.status === "offered"
                  ? "Not answered yet"
                  : `${c.status === "accepted" ? "Accepted (signed)" : "Declined"} ${shortTime(c.respondedAt)}`}
              </td>
            </tr>
          ))}
        </DataTable>
      ) : null}
      {d.reviewStatus === "waiting" ? (
        <p className="muted">The review waits for the borrower&apos;s answer to a request.</p>
      ) : null}
      {d.canOffer ? (
        <>
          <section className="card" aria-labelledby="price-heading">
            <h2 id="price-heading">1. Price the counter-offer</h2>
            <Form method="get">
              <label htmlFor="price-amount">Amount to finance (dollars)</label>
              <input
                id="price-amount"
                name="amount"
                inputMode="decimal"
                defaultValue={d.input.amount}
                aria-invalid={d.previewError || amountError ? true : undefined}
                aria-describedby={d.previewError ? "price-error" : undefined}
              />
              <label htmlFor="price-tier">Pricing tier</label>
              <select id="price-tier" name="tier" defaultValue={d.input.tier}>
                {d.tiers.map((t) => (
                  <option key={t.name} value={t.name}>
                    {t.name} (score ≥ {t.minScore})
                  </option>
                ))}
              </select>
              <FieldError id="price-error" errors={d.previewError} />
              <button type="submit" className="secondary">
                Price it
              </button>
            </Form>
          </section>
          {d.preview ? (
            <section className="card" aria-labelledby="send-heading">
              <h2 id="send-heading">2. Send it</h2>
              <p>
                Finances {formatMoney(d.preview.amountCents)} in tier {d.input.tier}
                {outOfPocketCents(d.requestedAmountCents, d.preview.amountCents) > 0
                  ? `; the borrower pays ${formatMoney(outOfPocketCents(d.requestedAmountCents, d.preview.amountCents))} to the merchant directly`
                  : ""}
                .
              </p>
              <DataTable
                caption="The plans the borrower will see"
                columns={["Term", "APR", "Monthly", "Finance charge", "Total of payments"]}
              >
                {d.preview.offers.map((o) => (
                  <tr key={`${o.termMonths}-${o.promotional}`} data-testid="counter-plan">
                    <td>
                      {o.termMonths} months{o.promotional ? " (0% promotional)" : ""}
                    </td>
                    <td>{o.apr}%</td>
                    <td>{formatMoney(o.monthlyPaymentCents)}</td>
                    <td>{formatMoney(o.financeChargeCents)}</td>
                    <td>{formatMoney(o.totalOfPaymentsCents)}</td>
                  </tr>
                ))}
              </DataTable>
              <Form method="post" noValidate>
                <input type="hidden" name="amount" value={d.input.amount} />
                <input type="hidden" name="tier" value={d.input.tier} />
                <FieldError id="amount-error" errors={amountError} />
                <fieldset
                  aria-invalid={errors.reasonCodes ? true : undefined}
                  aria-describedby={errors.reasonCodes ? "reasonCodes-error" : undefined}
                >
                  <legend>Why the terms asked for are refused (from the evidence)</legend>
                  {d.reasons.length === 0 ? (
                    <p className="muted">
                      The evidence supports no reason: approve or decline instead.
                    </p>
                  ) : null}
                  {d.reasons.map((r) => (
                    <label key={r.code} className="checkbox">
                      <input
                        type="checkbox"
                        name="reasonCodes"
                        value={r.code}
                        defaultChecked={typedReasons.has(r.code)}
                      />{" "}
                      {r.text} <span className="muted small">({r.evidence.join("; ")})</span>
                    </label>
                  ))}
                </fieldset>
                <FieldError id="reasonCodes-error" errors={errors.reasonCodes} />
                <label htmlFor="notes">Note for the file</label>
                <textarea
                  id="notes"
                  name="notes"
                  rows={3}
                  maxLength={counterNotesLimits.max}
                  defaultValue={typeof typed.notes === "string" ? typed.notes : ""}
                  aria-invalid={errors.notes ? true : undefined}
                  aria-describedby={errors.notes ? "notes-error" : undefined}
                />
                <FieldError id="notes-error" errors={errors.notes} />
                <IntentButton intent="counter-offer" disabled={busy || d.reasons.length === 0}>
                  Send the counter-offer
                </IntentButton>
              </Form>
            </section>
          ) : null}
        </>
      ) : d.reviewStatus !== "resolved" && d.reviewStatus !== "waiting" ? (
        <p className="muted">Assign the review to yourself to make a counter-offer.</p>
      ) : null}
    </OpsShell>
  );
}
