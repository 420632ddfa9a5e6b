import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { and, desc, eq } from "drizzle-orm";
import { documents, loans } from "../../db/schema/index";
import { loadJourney } from "~/borrower/context.server";
import { BorrowerShell, formatCents } from "~/borrower/ui";

export async function loader({ params }: LoaderFunctionArgs) {
  const j = await loadJourney(params.token, "done");
  const [agreement, loan] = await Promise.all([
    j.database.db
      .select({ id: documents.id, signedAt: documents.signedAt, sha256: documents.sha256 })
      .from(documents)
      .where(and(eq(documents.applicationId, j.application.id), eq(documents.kind, "agreement")))
      .orderBy(desc(documents.createdAt))
      .get(),
    j.database.db.select().from(loans).where(eq(loans.applicationId, j.application.id)).get(),
  ]);
  return {
    token: j.token,
    merchant: j.merchant.name,
    status: j.application.status,
    amountCents: j.application.amountCents,
    agreement: agreement
      ? { signedAt: agreement.signedAt?.toISOString() ?? null, sha256: agreement.sha256 }
      : null,
    fundedAt: loan?.fundedAt?.toISOString() ?? null,
  };
}

export default function Done() {
  const d = useLoaderData<typeof loader>();
  const funded = d.status === "funded";
  return (
    <BorrowerShell
      merchantName={d.merchant}
      title={funded ? "Your loan is funded" : "You're all set"}
    >
      <div className="card" role="status">
        {funded ? (
          <p>
            {formatCents(d.amountCents)} was paid to {d.merchant}
            {d.fundedAt ? ` on ${d.fundedAt.slice(0, 10)}` : ""}. Your payment schedule is in your
            agreement.
          </p>
        ) : (
          <p>
            You signed your loan agreement. We're setting up your loan with our lending partner —
            we'll text you when {d.merchant} has been paid. You don't need to do anything else.
          </p>
        )}
      </div>
      {d.agreement ? (
        <div className="card">
          <h2>Your signed agreement</h2>
          <p>
            <a className="button" href={`/apply/${d.token}/agreement.pdf`} download>
              Download the agreement (PDF)
            </a>
          </p>
          <p className="muted small">
            Signed {d.agreement.signedAt}. Fingerprint (SHA-256):{" "}
            <code className="hash">{d.agreement.sha256}</code>
          </p>
        </div>
      ) : null}
    </BorrowerShell>
  );
}
