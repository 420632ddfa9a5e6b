import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { getDatabase } from "~/app/db.server";
import { requirePortal } from "~/app/merchant/guard.server";
import { PortalShell, shellUser } from "~/app/merchant/layout";
import { payoutsPage, pickedMonth } from "~/app/merchant/payouts.server";
import { formatMoney } from "~/app/money/dollars";
import { When } from "~/app/ops/layout";
import { DataTable } from "~/app/ops/page-ui";

export const meta: MetaFunction = () => [{ title: "Payouts — FlowPay merchant portal" }];

/**
 * Payouts and monthly statements (docs/product/merchants-and-money.md, "The merchant portal"; ADR 057): the
 * next payout with the clawbacks netted from it, past payouts, each refund's clawback and where
 * it was netted, and a month's statement to download — all from the ledger. Owner and manager.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const context = await requirePortal(request, "read:payouts");
  const month = pickedMonth(new URL(request.url).searchParams.get("month"));
  return {
    user: shellUser(context),
    month,
    ...(await payoutsPage(await getDatabase(), context.scope, month)),
  };
}

export default function MerchantPayouts() {
  const data = useLoaderData<typeof loader>();
  const { next, statement } = data;
  return (
    <PortalShell user={data.user} title="Payouts">
      <section aria-labelledby="next-heading" className="card">
        <h2 id="next-heading">Next payout</h2>
        <p>
          <strong>{formatMoney(next.amountCents)}</strong> on {next.date}
          {next.clawbacksNettedCents > 0
            ? ` (after ${formatMoney(next.clawbacksNettedCents)} of refunds netted)`
            : null}
          .
        </p>
        {next.carriedCents > 0 ? (
          <p>
            You owe FlowPay {formatMoney(next.carriedCents)} from refunds: it is taken from the
            payouts after this one.
          </p>
        ) : null}
        <p>
          Earned {formatMoney(data.totals.earnedCents)} · refunds{" "}
          {formatMoney(data.totals.clawbacksCents)} · paid out{" "}
          {formatMoney(data.totals.paidOutCents)}
        </p>
      </section>

      <section aria-labelledby="clawbacks-heading">
        <h2 id="clawbacks-heading">Refunds taken back</h2>
        {data.clawbacks.length === 0 ? (
          <p>No refunds.</p>
        ) : (
          <DataTable
            caption="Each refund: what it took back from your payouts, newest first"
            columns={["Date", "Application", "Refunded", "Fee returned", "Taken back", "Netted"]}
          >
            {data.clawbacks.map((c) => (
              <tr key={c.id}>
                <td>
                  <When iso={c.date} />
                </td>
                <td>
                  {c.applicationId ? (
                    <Link to={`/merchant/applications/${c.applicationId}`}>{c.applicationId}</Link>
                  ) : (
                    "—"
                  )}
                </td>
                <td>{formatMoney(c.refundedCents)}</td>
                <td>{formatMoney(c.feeReturnedCents)}</td>
                <td>{formatMoney(c.clawbackCents)}</td>
                <td>{c.nettedOn ? <When iso={c.nettedOn} /> : "From the next payout"}</td>
              </tr>
            ))}
          </DataTable>
        )}
      </section>

      <section aria-labelledby="past-heading">
        <h2 id="past-heading">Past payouts</h2>
        {data.payouts.length === 0 ? (
          <p>No payouts yet.</p>
        ) : (
          <DataTable
            caption="Payouts to your bank account, newest first"
            columns={["Date", "Amount"]}
          >
            {data.payouts.map((p) => (
              <tr key={p.id}>
                <td>
                  <When iso={p.date} />
                </td>
                <td>{formatMoney(p.amountCents)}</td>
              </tr>
            ))}
          </DataTable>
        )}
      </section>

      <section aria-labelledby="statement-heading">
        <h2 id="statement-heading">Monthly statement</h2>
        <Form method="get" className="card filters">
          <label htmlFor="month">Month</label>
          <input id="month" name="month" type="month" defaultValue={data.month} required />
          <button type="submit">Show</button>
        </Form>
        {statement ? (
          <div className="card">
            <p>
              {statement.month}: opening {formatMoney(statement.openingCents)}, {statement.lines}{" "}
              {statement.lines === 1 ? "entry" : "entries"}, net {formatMoney(statement.netCents)},
              closing <strong>{formatMoney(statement.closingCents)}</strong>.
            </p>
            <ul>
              <li>
                <a href={`/merchant/statements/${statement.month}.csv`} download>
                  Download {statement.month} as CSV
                </a>
              </li>
              <li>
                <a href={`/merchant/statements/${statement.month}.pdf`} download>
                  Download {statement.month} as PDF
                </a>
              </li>
            </ul>
          </div>
        ) : null}
      </section>
    </PortalShell>
  );
}
