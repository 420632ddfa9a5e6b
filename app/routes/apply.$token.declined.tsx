import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { loadJourney } from "~/app/borrower/context.server";
import { loadAdverseActionNotice } from "~/app/decisioning/adverse-action.server";
import { NoticeArticle } from "~/app/borrower/notice-article";
import { BorrowerShell } from "~/app/borrower/ui";

export async function loader({ params }: LoaderFunctionArgs) {
  const j = await loadJourney(params.token, "declined");
  const notice = await loadAdverseActionNotice(j.database, j.application.id);
  return { token: j.token, merchant: j.merchant.name, notice: notice?.view ?? null };
}

/** The adverse action notice (ECOA / FCRA), on screen as required, with its specific reasons. */
export default function Declined() {
  const { token, merchant, notice } = useLoaderData<typeof loader>();
  return (
    <BorrowerShell merchantName={merchant} title="We couldn't approve your application">
      {notice ? (
        <NoticeArticle notice={notice} />
      ) : (
        <p>Your notice is being prepared. Please refresh in a moment.</p>
      )}
      {notice ? (
        <p>
          <a className="button" href={`/apply/${token}/notice.pdf`} download>
            Download this notice (PDF)
          </a>
        </p>
      ) : null}
      <p className="muted">We also sent this notice to you by e-mail when we have your address.</p>
    </BorrowerShell>
  );
}
