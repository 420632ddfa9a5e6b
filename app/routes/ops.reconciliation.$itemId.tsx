import { parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { getDatabase } from "~/app/db.server";
import {
  loadReconciliationItem,
  ReconciliationInputError,
  ReconciliationItemNotFoundError,
  ReconciliationStateError,
  resolveReconciliationItem,
} from "~/app/lending/reconciliation.server";
import { formatMoney } from "~/app/money/dollars";
import { shortTime } from "~/app/ops/applications-view";
import { firstError } from "~/app/ops/form-schemas.server";
import { requireAction, requirePermission } from "~/app/ops/guard.server";
import { OpsShell } from "~/app/ops/layout";
import { can } from "~/app/ops/permissions";
import { itemView, reconciliationNotices, resolveForm } from "~/app/ops/reconciliation";
import { FieldError } from "~/app/ui/fields";

export const meta: MetaFunction = () => [{ title: "Reconciliation difference — FlowOps" }];

/** Refusals (4xx) reload the page too: it should show what is there now. */
export { revalidateAfterPosts as shouldRevalidate } from "~/app/ops/revalidate";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "read:reconciliation");
  const page = await loadReconciliationItem(await getDatabase(), params.itemId ?? "");
  if (!page) throw new Response("Not Found", { status: 404 });
  const { item } = page;
  return {
    operator: { id: operator.id, name: operator.name, email: operator.email, role: operator.role },
    canResolve: can(operator.role, "resolve:reconciliation"),
    notice: reconciliationNotices[new URL(request.url).searchParams.get("done") ?? ""] ?? null,
    item: {
      ...itemView(item),
      status: item.status,
      note: item.resolutionNote,
      resolvedAt: item.resolvedAt?.toISOString() ?? null,
      resolverName: page.resolverName,
      foundAt: item.createdAt.toISOString(),
    },
    merchantName: page.merchantName,
    loan: page.loan,
    ledgerLines: page.ledgerLines.map((line) => ({
      transactionId: line.transactionId,
      at: line.createdAt.toISOString(),
      amountCents: line.amountCents,
      grossCents: line.grossCents,
      feeCents: line.feeCents,
    })),
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { operator } = await requireAction(request, "resolve:reconciliation");
  const itemId = params.itemId ?? "";
  // disableAutoCoercion: an empty field reaches the schema as "", whose message says what to enter.
  const parsed = parseWithZod(await request.formData(), {
    schema: resolveForm,
    disableAutoCoercion: true,
  });
  if (parsed.status !== "success") {
    return data({ error: firstError(parsed.error) }, { status: 422 });
  }
  try {
    await resolveReconciliationItem(await getDatabase(), {
      itemId,
      operatorId: operator.id,
      note: parsed.value.note,
      client: clientInfo(request),
    });
  } catch (error) {
    if (error instanceof ReconciliationItemNotFoundError) {
      throw new Response("Not Found", { status: 404 });
    }
    if (error instanceof ReconciliationStateError) {
      return data({ error: error.message }, { status: 409 });
    }
    if (error instanceof ReconciliationInputError) {
      return data({ error: error.message }, { status: 422 });
    }
    throw error;
  }
  return redirect(`/ops/reconciliation/${itemId}?done=resolved`);
}

const money = (cents: number | null) => (cents === null ? "Nothing" : formatMoney(cents));

export default function ReconciliationItem() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<{ error: string }>();
  const { item } = d;
  return (
    <OpsShell operator={d.operator} title={`${item.kind} difference`} notice={d.notice}>
      <p>
        <Link to="/ops/reconciliation">← All differences</Link>
      </p>
      <p>
        Loan <span className="hash">{item.loanId}</span>
      </p>
      <p>
        <strong>{item.issue}.</strong> Settlement date {item.date}, lender {item.lender}, found{" "}
        {shortTime(item.foundAt)}.
      </p>
      <div className="table-scroll" tabIndex={0} role="region" aria-label="The two sides">
        <table>
          <caption>The two sides</caption>
          <thead>
            <tr>
              <th scope="col"></th>
              <th scope="col">Lender&apos;s settlement report</th>
              <th scope="col">FlowPay ledger</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <th scope="row">{item.kind} amount</th>
              <td>{money(item.lenderCents)}</td>
              <td>{money(item.ledgerCents)}</td>
            </tr>
            <tr>
              <th scope="row">Reference</th>
              <td>Lender loan {d.loan?.lenderLoanId ?? "unknown to FlowPay"}</td>
              <td>
                {d.ledgerLines.length === 0
                  ? "No ledger lines that day"
                  : d.ledgerLines
                      .map(
                        (line) =>
                          `${line.transactionId}: ${formatMoney(line.amountCents)}${line.feeCents ? ` (${formatMoney(line.grossCents)} less the ${formatMoney(line.feeCents)} merchant fee)` : ""}`,
                      )
                      .join(", ")}
              </td>
            </tr>
            <tr>
              <th scope="row">Difference (lender − ledger)</th>
              <td colSpan={2}>{formatMoney(item.differenceCents)}</td>
            </tr>
          </tbody>
        </table>
      </div>
      <dl>
        <dt>Merchant</dt>
        <dd>{d.merchantName ?? "Unknown"}</dd>
        <dt>Application</dt>
        <dd>
          {d.loan ? (
            <Link to={`/ops/applications/${d.loan.applicationId}`}>{d.loan.applicationId}</Link>
          ) : (
            "No FlowPay loan has this id"
          )}
        </dd>
        <dt>Loan status</dt>
        <dd>{d.loan?.status ?? "—"}</dd>
      </dl>
      {item.status === "resolved" ? (
        <section aria-labelledby="resolution">
          <h2 id="resolution">Resolved</h2>
          <p>
            By {item.resolverName ?? "an operator"} on {shortTime(item.resolvedAt)}:
          </p>
          <blockquote>{item.note}</blockquote>
        </section>
      ) : d.canResolve ? (
        <Form method="post" aria-labelledby="resolve">
          <h2 id="resolve">Resolve</h2>
          <p>
            Say what you found and what was done (a correcting ledger entry, a question to the
            lender). Resolving changes no money.
          </p>
          <label htmlFor="note">Resolution note</label>
          <textarea
            id="note"
            name="note"
            required
            minLength={3}
            maxLength={2000}
            rows={3}
            aria-describedby={result?.error ? "note-error" : undefined}
          />
          <FieldError id="note-error" errors={result?.error} />
          <button type="submit">Resolve</button>
        </Form>
      ) : (
        <p>Open: an operator who may resolve differences will look at it.</p>
      )}
    </OpsShell>
  );
}
