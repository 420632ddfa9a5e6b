import type { LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { NoticeArticle } from "~/app/borrower/notice-article";
import { BorrowerShell } from "~/app/borrower/ui";
import { formatMoney } from "~/app/money/dollars";
import { loadPrequalJourney, prequalResult } from "~/app/prequal/result.server";

export async function loader({ params }: LoaderFunctionArgs) {
  const j = await loadPrequalJourney(params.token);
  const result = prequalResult(j);
  if (result.kind === "none") throw redirect(`/prequal/${j.token}`);
  return { token: j.token, merchant: j.merchant.name, result };
}

/**
 * The result, at once: prequalified up to $X with sample payments, valid 30 days, not a
 * commitment to lend — or the adverse action notice, like any decline.
 */
export default function PrequalResultPage() {
  const { token, merchant, result } = useLoaderData<typeof loader>();
  if (result.kind === "not_prequalified") {
    return (
      <BorrowerShell merchantName={merchant} title="We couldn't prequalify you">
        <NoticeArticle notice={result.notice} />
        <p>
          <a className="button" href={`/prequal/${token}/notice.pdf`} download>
            Download this notice (PDF)
          </a>
        </p>
      </BorrowerShell>
    );
  }
  if (result.kind !== "prequalified") return null;
  return (
    <BorrowerShell
      merchantName={merchant}
      title={`You're prequalified for up to ${formatMoney(result.maxAmountCents)}`}
    >
      <div className="card">
        <table className="schedule compare">
          <caption>Sample monthly payments</caption>
          <thead>
            <tr>
              <th scope="col">Amount</th>
              <th scope="col">Term</th>
              <th scope="col">APR</th>
              <th scope="col">Monthly</th>
            </tr>
          </thead>
          <tbody>
            {result.samples.map((sample) => (
              <tr key={`${sample.amountCents}-${sample.termMonths}-${sample.apr}`}>
                <td>{formatMoney(sample.amountCents)}</td>
                <td>{sample.termMonths} months</td>
                <td>{sample.apr}%</td>
                <td>{formatMoney(sample.monthlyPaymentCents)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p>
          Valid for 30 days, until <strong>{result.validUntil}</strong>.
        </p>
        <p className="conspicuous">
          This is not a commitment to lend. Your final offers depend on your application and the
          amount of your estimate.
        </p>
        <p className="muted">
          When {merchant} sends your estimate, you won't need to enter these details again.
        </p>
      </div>
    </BorrowerShell>
  );
}
