import type { SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { guardPublicForm } from "~/app/borrower/context.server";
import { BorrowerShell, Honeypot } from "~/app/borrower/ui";
import { maxUploadBytes } from "~/app/borrower/uploads";
import {
  parseUploadRequest,
  prepareUpload,
  UploadRequestError,
} from "~/app/borrower/uploads.server";
import { getDatabase } from "~/app/db.server";
import {
  answerInfoRequest,
  InfoAnswerError,
  infoAnswerSchema,
  infoFileContext,
  loadInfoRequestPage,
  type InfoRequestPage,
} from "~/app/ops/info-requests.server";
import { FieldError, FormAlert } from "~/app/ui/fields";

/**
 * The borrower's answer to an underwriter's information request (ADR 076): a single-purpose
 * link from the text and e-mail. One plain multipart form (no JavaScript needed) takes the
 * answer and/or the document — checked by content and size like a funding condition's — all at
 * once; a missing part keeps everything unwritten and says so on the field.
 */
export const meta: MetaFunction = () => [
  { title: "We need a little more — FlowPay" },
  { name: "robots", content: "noindex" },
];

/** The page answers for one borrower's link: never in a shared cache. */
export const headers = () => ({ "Cache-Control": "no-store" });

export async function loader({ params }: LoaderFunctionArgs) {
  const page = await loadInfoRequestPage(await getDatabase(), params.token ?? "");
  if (page.kind === "unknown") throw new Response("Not Found", { status: 404 });
  return data({ page }, { headers: { "Cache-Control": "no-store" } });
}

type ActionResult = {
  result: SubmissionResult<string[]> | null;
  errors: Record<string, string | undefined>;
  formError: string | null;
};

export async function action({ request, params }: ActionFunctionArgs) {
  const token = params.token ?? "";
  const fail = (
    result: Omit<ActionResult, "result"> & { result?: ActionResult["result"] },
    status = 422,
  ) => data<ActionResult>({ result: null, ...result }, { status });
  let parsed;
  try {
    parsed = await parseUploadRequest(request);
  } catch (error) {
    if (!(error instanceof UploadRequestError)) throw error;
    return fail({ errors: { document: error.message }, formError: null }, error.status);
  }
  await guardPublicForm(request, parsed.form);
  const submission = parseWithZod(parsed.form, { schema: infoAnswerSchema });
  if (submission.status !== "success") {
    return fail({ result: submission.reply(), errors: {}, formError: null });
  }
  // No file chosen: the browser still sends an empty part.
  const file = parsed.file && parsed.file.bytes.length > 0 ? parsed.file : null;
  const prepared = file ? prepareUpload(file, infoFileContext) : null;
  if (prepared && !prepared.ok) {
    return fail({
      result: submission.reply(),
      errors: { document: prepared.error },
      formError: null,
    });
  }
  try {
    await answerInfoRequest(await getDatabase(), {
      token,
      answer: submission.value.answer ?? null,
      upload: prepared?.ok ? prepared.upload : null,
      client: clientInfo(request),
    });
  } catch (error) {
    if (!(error instanceof InfoAnswerError)) throw error;
    const missing = Object.keys(error.errors).length > 0;
    return fail({
      result: submission.reply(),
      errors: error.errors,
      formError: missing ? null : error.message,
    });
  }
  return redirect(`/info/${token}`, { status: 303 });
}

export default function InfoRequest() {
  const { page } = useLoaderData<{ page: InfoRequestPage }>();
  const actionData = useActionData<ActionResult>();
  const busy = useNavigation().state !== "idle";
  if (page.kind === "unknown") return null;
  if (page.kind !== "open") {
    return (
      <BorrowerShell merchantName={page.merchantName} title="Thank you">
        <p className="card" role="status" data-stage={page.kind}>
          {page.kind === "answered"
            ? "We have your answer. A FlowPay specialist continues the review of your application and we'll text you when it is decided."
            : "This request is closed. We continue the review of your application with what we have and will text you when it is decided."}
        </p>
      </BorrowerShell>
    );
  }
  const zodErrors = (actionData?.result?.error ?? {}) as Record<string, string[] | null>;
  const typed = (actionData?.result?.initialValue ?? {}) as Record<string, string | undefined>;
  const answerError = actionData?.errors.answer ?? zodErrors.answer?.[0] ?? null;
  const documentError = actionData?.errors.document ?? null;
  return (
    <BorrowerShell merchantName={page.merchantName} title="We need a little more from you">
      <div className="card">
        <p>Hello {page.firstName}, a FlowPay specialist reviewing your application asks:</p>
        <blockquote data-testid="info-message">{page.message}</blockquote>
        <p className="muted small">
          Please answer by {page.dueAt.slice(0, 16).replace("T", " ")} UTC. After that we continue
          with what we have.
        </p>
      </div>
      <FormAlert message={actionData?.formError} />
      <Form method="post" encType="multipart/form-data" className="card" noValidate>
        <Honeypot />
        {page.question ? (
          <>
            <label htmlFor="answer">{page.question}</label>
            <textarea
              id="answer"
              name="answer"
              rows={4}
              maxLength={2000}
              defaultValue={typed.answer ?? ""}
              aria-invalid={answerError ? true : undefined}
              aria-describedby={answerError ? "answer-error" : undefined}
            />
            <FieldError id="answer-error" errors={answerError} />
          </>
        ) : null}
        {page.document ? (
          <>
            <label htmlFor="document">{page.document}</label>
            <p className="muted small">
              A PDF, JPEG or PNG of at most {maxUploadBytes / 1024 / 1024} MB.
            </p>
            <input
              id="document"
              name="document"
              type="file"
              accept="application/pdf,image/jpeg,image/png"
              aria-invalid={documentError ? true : undefined}
              aria-describedby={documentError ? "document-error" : undefined}
            />
            <FieldError id="document-error" errors={documentError} />
          </>
        ) : null}
        <button type="submit" disabled={busy}>
          {busy ? "Sending…" : "Send"}
        </button>
      </Form>
    </BorrowerShell>
  );
}
