import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { guardPublicForm } from "~/app/borrower/context.server";
import { BorrowerShell } from "~/app/borrower/ui";
import { getDatabase } from "~/app/db.server";
import { parseProblem } from "~/app/lending/release";
import {
  loadReleasePage,
  releaseWithLink,
  reportProblem,
  type ReleasePage,
} from "~/app/lending/release.server";
import { formatMoney } from "~/app/money/dollars";
import { FieldError } from "~/app/ui/fields";
import { IntentButton } from "~/app/ui/intent-button";

/**
 * "Job is done — release payment" (docs/product/merchants-and-money.md; ADR 050): the borrower's
 * single-use link from the text and e-mail sent when the merchant marked the job complete. Two
 * plain forms (no JavaScript needed): release, or describe a problem (FlowOps reviews it and the
 * payment waits). After either, the page says what happens next.
 */
export const meta: MetaFunction = () => [
  { title: "Release your payment — FlowPay" },
  { name: "robots", content: "noindex" },
];

type ReleaseView = Omit<Extract<ReleasePage, { kind: "ok" }>, "autoReleaseAt"> & {
  autoReleaseAt: string | null;
};

export async function loader({ params }: LoaderFunctionArgs) {
  const page = await loadReleasePage(await getDatabase(), params.token ?? "");
  if (page.kind === "unknown") throw new Response("Not Found", { status: 404 });
  if (page.kind === "expired") {
    return data({ page: null }, { status: 410, headers: { "Cache-Control": "no-store" } });
  }
  return data(
    { page: { ...page, autoReleaseAt: page.autoReleaseAt?.toISOString() ?? null } },
    { headers: { "Cache-Control": "no-store" } },
  );
}

export async function action({ request, params }: ActionFunctionArgs) {
  const token = params.token ?? "";
  const form = await request.formData();
  await guardPublicForm(request, form);
  const database = await getDatabase();
  const client = clientInfo(request);
  if (form.get("intent") === "problem") {
    const problem = parseProblem(form.get("problem"));
    if (!problem.ok) return data({ problemError: problem.error }, { status: 422 });
    await reportProblem(database, { token, description: problem.value, client });
  } else if (form.get("intent") === "release") {
    await releaseWithLink(database, { token, client });
  } else {
    return data({ problemError: null }, { status: 400 });
  }
  // Whatever happened (done now, or the link was used already), the page says where it stands.
  return redirect(`/release/${token}`, { status: 303 });
}

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : null);

export default function Release() {
  const { page } = useLoaderData<{ page: ReleaseView | null }>();
  const actionData = useActionData<{ problemError: string | null }>();
  const busy = useNavigation().state !== "idle";
  if (!page) {
    return (
      <BorrowerShell title="This link has expired">
        <p>
          This release link is no longer valid. If you have a question about your loan, write to
          support@flowpay.example.
        </p>
      </BorrowerShell>
    );
  }
  const merchant = page.merchantName;
  const remaining = formatMoney(page.amountCents - page.upfrontCents);
  if (page.stage === "released") {
    return (
      <BorrowerShell merchantName={merchant} title="The payment is released">
        <div className="card" role="status" data-stage="released">
          <p>
            {page.funded
              ? `${merchant} has been paid.`
              : page.usedFor === "released"
                ? `Thank you — you released the ${remaining} payment to ${merchant}.`
                : `The ${remaining} payment to ${merchant} was released.`}
          </p>
          <h2>What happens next</h2>
          <ol>
            {page.funded ? null : (
              <li>
                Our lending partner pays {merchant}, usually within 1–2 business days. We'll text
                you when it is done.
              </li>
            )}
            <li>Your loan payments start as your agreement says; nothing else is needed.</li>
          </ol>
        </div>
      </BorrowerShell>
    );
  }
  if (page.stage === "paused") {
    return (
      <BorrowerShell merchantName={merchant} title="We're looking at the problem">
        <div className="card" role="status" data-stage="paused">
          <p>
            Thank you for telling us. The payment to {merchant} is on hold: nothing is paid while a
            FlowPay specialist looks at what you reported.
          </p>
          <h2>What happens next</h2>
          <ol>
            <li>Within 1 business day a specialist contacts you and {merchant}.</li>
            <li>
              Once it is sorted out, we release the payment or tell you what else will happen.
            </li>
          </ol>
        </div>
      </BorrowerShell>
    );
  }
  if (page.stage === "waiting_for_job") {
    return (
      <BorrowerShell merchantName={merchant} title="The job is not marked done yet">
        <p>{merchant} has not told us the job is done. We'll text and e-mail you when it does.</p>
      </BorrowerShell>
    );
  }
  const problemError = actionData?.problemError ?? null;
  return (
    <BorrowerShell merchantName={merchant} title="Job is done — release payment">
      <div className="card">
        <p>
          {merchant} says the job you financed is done. If it is, release the {remaining} payment to{" "}
          {merchant}.
        </p>
        {page.autoReleaseAt ? (
          <p className="muted small">
            If we hear nothing from you, the payment releases itself on {day(page.autoReleaseAt)}.
            This link works once.
          </p>
        ) : null}
        <Form method="post" replace>
          <IntentButton intent="release" disabled={busy}>
            Release payment
          </IntentButton>
        </Form>
      </div>
      <div className="card">
        <h2>There is a problem</h2>
        <p>Tell us in a few words what is wrong. We hold the payment while we look at it.</p>
        <Form method="post" replace>
          <label htmlFor="problem">What is wrong?</label>
          <textarea
            id="problem"
            name="problem"
            rows={4}
            maxLength={1000}
            required
            aria-invalid={problemError ? true : undefined}
            aria-describedby={problemError ? "problem-error" : undefined}
          />
          <FieldError id="problem-error" errors={problemError} />
          <IntentButton intent="problem" className="secondary" disabled={busy}>
            There is a problem
          </IntentButton>
        </Form>
      </div>
    </BorrowerShell>
  );
}
