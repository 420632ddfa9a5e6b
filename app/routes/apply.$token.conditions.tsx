import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { guardPublicForm, loadJourney } from "~/app/borrower/context.server";
import { pagePath } from "~/app/borrower/journey";
import { BorrowerShell, FieldError, Honeypot } from "~/app/borrower/ui";
import { maxUploadBytes } from "~/app/borrower/uploads";
import {
  parseUploadRequest,
  prepareUpload,
  UploadRequestError,
} from "~/app/borrower/uploads.server";
import { conditionStatusLabels } from "~/app/lending/conditions";
import {
  ConditionStateError,
  listConditions,
  submitConditionUpload,
} from "~/app/lending/conditions.server";

/**
 * The documents a funding condition asks for (ADR 035): what is needed, what was received, why a
 * document was not accepted — and a plain multipart upload form per item (no JavaScript needed).
 */
export async function loader({ params }: LoaderFunctionArgs) {
  const j = await loadJourney(params.token, "conditions");
  const conditions = await listConditions(j.database.db, j.application.id);
  return {
    token: j.token,
    merchant: j.merchant.name,
    status: j.application.status,
    conditions: conditions.map((c) => ({
      id: c.id,
      description: c.description,
      status: c.status,
      statusText: conditionStatusLabels[c.status],
      // Only a rejection's note is the borrower's to read.
      rejectionReason: c.status === "rejected" ? c.reviewNote : null,
      lastFile: c.uploads[0]?.fileName ?? null,
    })),
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const j = await loadJourney(params.token, "conditions");
  let parsed;
  try {
    parsed = await parseUploadRequest(request);
  } catch (error) {
    if (!(error instanceof UploadRequestError)) throw error;
    // The form's page with the reason, whatever the body was (it was not read past the limit).
    return json({ conditionId: null, error: error.message }, { status: error.status });
  }
  await guardPublicForm(request, parsed.form);
  const conditionId = String(parsed.form.get("conditionId") ?? "");
  const prepared = prepareUpload(parsed.file);
  if (!prepared.ok) return { conditionId, error: prepared.error };
  try {
    await submitConditionUpload(j.database, {
      applicationId: j.application.id,
      customerId: j.customer.id,
      conditionId,
      upload: prepared.upload,
      client: clientInfo(request),
    });
  } catch (error) {
    if (error instanceof ConditionStateError) return { conditionId, error: error.message };
    throw error;
  }
  return redirect(`${pagePath(j.token, "conditions")}?sent=1`);
}

export default function Conditions() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<{ conditionId: string | null; error: string }>();
  const busy = useNavigation().state !== "idle";
  const open = d.conditions.filter((c) => c.status !== "cleared");
  return (
    <BorrowerShell merchantName={d.merchant} page="conditions" title="Documents we need">
      <p role="status" className="card">
        {open.length === 0
          ? `Thank you: every document is accepted. ${d.merchant} is paid once your loan is set up.`
          : `Before ${d.merchant} can be paid we need ${open.length === 1 ? "this document" : "these documents"}. Upload a PDF, JPEG or PNG of at most ${maxUploadBytes / 1024 / 1024} MB each.`}
      </p>
      {result?.error && !result.conditionId ? (
        <p className="error" role="alert">
          {result.error}
        </p>
      ) : null}
      {d.conditions.map((c) => (
        <section key={c.id} className="card" aria-labelledby={`c-${c.id}`}>
          <h2 id={`c-${c.id}`}>{c.description}</h2>
          <p>
            <strong>{c.statusText}</strong>
            {c.lastFile && c.status !== "cleared" ? ` (last sent: ${c.lastFile})` : ""}
          </p>
          {c.rejectionReason ? (
            <p className="error" data-testid="rejection-reason">
              Why: {c.rejectionReason}
            </p>
          ) : null}
          {c.status !== "cleared" ? (
            <Form
              method="post"
              encType="multipart/form-data"
              aria-label={`Upload: ${c.description}`}
            >
              <Honeypot />
              <input type="hidden" name="conditionId" value={c.id} />
              <label htmlFor={`file-${c.id}`}>
                {c.status === "pending" ? "Choose the file" : "Send it again"}
              </label>
              <input
                id={`file-${c.id}`}
                name="document"
                type="file"
                accept="application/pdf,image/jpeg,image/png"
                required
                aria-describedby={result?.conditionId === c.id ? `err-${c.id}` : undefined}
              />
              <FieldError
                id={`err-${c.id}`}
                errors={result?.conditionId === c.id ? result.error : null}
              />
              <button type="submit" disabled={busy}>
                {busy ? "Uploading…" : "Upload"}
              </button>
            </Form>
          ) : null}
        </section>
      ))}
      <p>
        <a href={pagePath(d.token, d.status === "approved" ? "offers" : "done")}>
          {d.status === "approved" ? "Back to your plans" : "Back to your loan"}
        </a>
      </p>
    </BorrowerShell>
  );
}
