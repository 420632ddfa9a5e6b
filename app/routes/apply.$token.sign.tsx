import { parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { acceptOffer, agreementFor } from "~/app/borrower/accept.server";
import { saveOrRetryLater } from "~/app/borrower/retry-later.server";
import { clientInfo } from "~/app/audit/audit.server";
import { guardPublicForm, loadJourney } from "~/app/borrower/context.server";
import { pagePath } from "~/app/borrower/journey";
import { sameName, signSchema } from "~/app/borrower/schemas.server";
import { FederalBox, PaymentScheduleTable } from "~/app/borrower/disclosure-box";
import { BorrowerShell, FieldError, Honeypot } from "~/app/borrower/ui";

export async function loader({ params, request }: LoaderFunctionArgs) {
  const j = await loadJourney(params.token, "sign");
  const offerId = new URL(request.url).searchParams.get("offer") ?? "";
  const agreement = await agreementFor(j, offerId, new Date());
  if (!agreement) throw redirect(pagePath(j.token, "offers"));
  return {
    token: j.token,
    merchant: j.merchant.name,
    offerId,
    doc: agreement.doc,
    hash: agreement.hash,
    fullName: `${j.customer.firstName} ${j.customer.lastName}`,
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const j = await loadJourney(params.token, "sign");
  const formData = await request.formData();
  await guardPublicForm(request, formData);
  const expectedName = `${j.customer.firstName} ${j.customer.lastName}`;
  const submission = parseWithZod(formData, {
    schema: signSchema.refine((v) => sameName(v.fullName, expectedName), {
      path: ["fullName"],
      message: `Type your full name as it appears on the application (${expectedName})`,
    }),
  });
  if (submission.status !== "success") return { result: submission.reply(), notice: null };
  const shownHash = String(formData.get("agreementHash") ?? "");
  const accepted = await saveOrRetryLater(
    () => acceptOffer(j, { ...submission.value, shownHash }, clientInfo(request)),
    (message) => ({ result: submission.reply(), notice: message }),
  );
  if (!accepted.saved) return accepted.response;
  const outcome = accepted.value;
  if (outcome.kind === "stale") {
    return {
      result: submission.reply({ resetForm: true }),
      notice: "The agreement was updated (its date changed). Please read it again and sign.",
    };
  }
  // Accepted now, or earlier in another tab: either way the borrower belongs on the done page.
  return redirect(pagePath(j.token, "done"));
}

export default function Sign() {
  const d = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  // A plain form: the signature is validated on the server only, where the typed name is
  // compared with the application's (the browser cannot know it without exposing it).
  const errors = (actionData?.result?.error ?? {}) as Record<string, string[] | null>;
  const { doc } = d;
  // Late charge and prepayment belong to the federal disclosures: shown, not collapsed.
  const terms = doc.sections.filter((section) =>
    ["Late charge", "Prepayment"].includes(section.heading),
  );
  const previewPdf = `/apply/${d.token}/agreement-preview.pdf?offer=${encodeURIComponent(d.offerId)}`;
  return (
    <BorrowerShell merchantName={d.merchant} title="Read and sign your agreement">
      {actionData?.notice ? (
        <p className="error" role="alert">
          {actionData.notice}
        </p>
      ) : null}
      <article className="card agreement" aria-labelledby="agreement-title">
        <h2 id="agreement-title">{doc.title}</h2>
        <p className="small">
          Creditor: {doc.creditor.name}, {doc.creditor.address}. Loan date {doc.loanDate}.
        </p>
        {/* The chosen offer's federal box in full (Reg Z §1026.18), before the signature. */}
        <FederalBox cells={doc.federalBox} />
        <PaymentScheduleTable rows={doc.paymentSchedule} />
        {terms.map((section) => (
          <p key={section.heading} className="small">
            <strong>{section.heading}:</strong> {section.paragraphs.join(" ")}
          </p>
        ))}
        <h3>Itemization of the amount financed</h3>
        <dl className="facts">
          {doc.itemization.map((item) => (
            <div key={item.label}>
              <dt>{item.label}</dt>
              <dd>{item.value}</dd>
            </div>
          ))}
        </dl>
        <p>
          <a href={previewPdf} download>
            Download the agreement (PDF)
          </a>
        </p>
        {/* The long text, collapsed: <details> opens without JavaScript (issue 17). */}
        <details className="agreement-text">
          <summary>Read the full agreement ({doc.sections.length} sections)</summary>
          {doc.sections.map((section) => (
            <section key={section.heading}>
              <h3>{section.heading}</h3>
              {section.paragraphs.map((p, i) => (
                <p key={i} className={section.conspicuous ? "conspicuous" : undefined}>
                  {p}
                </p>
              ))}
            </section>
          ))}
        </details>
        <details>
          <summary>Full payment schedule ({doc.scheduleTable.length} payments)</summary>
          <table className="schedule">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Due</th>
                <th scope="col">Payment</th>
                <th scope="col">Principal</th>
                <th scope="col">Interest</th>
                <th scope="col">Balance</th>
              </tr>
            </thead>
            <tbody>
              {doc.scheduleTable.map((row) => (
                <tr key={row.number}>
                  <td>{row.number}</td>
                  <td>{row.dueDate}</td>
                  <td>{row.payment}</td>
                  <td>{row.principal}</td>
                  <td>{row.interest}</td>
                  <td>{row.balance}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      </article>
      <Form method="post" className="card">
        <Honeypot />
        <input type="hidden" name="offerId" value={d.offerId} />
        <input type="hidden" name="agreementHash" value={d.hash} />
        <p>{doc.consentText}</p>
        <label htmlFor="fullName">Type your full name to sign ({d.fullName})</label>
        <input
          id="fullName"
          name="fullName"
          type="text"
          autoComplete="name"
          required
          aria-invalid={errors.fullName ? true : undefined}
          aria-describedby={errors.fullName ? "fullName-error" : undefined}
        />
        <FieldError id="fullName-error" errors={errors.fullName ?? undefined} />
        <label className="check">
          <input
            name="agree"
            type="checkbox"
            value="on"
            required
            aria-invalid={errors.agree ? true : undefined}
            aria-describedby={errors.agree ? "agree-error" : undefined}
          />{" "}
          I agree
        </label>
        <FieldError id="agree-error" errors={errors.agree ?? undefined} />
        <button type="submit" disabled={busy}>
          {busy ? "Signing…" : "Sign my agreement"}
        </button>
      </Form>
    </BorrowerShell>
  );
}
