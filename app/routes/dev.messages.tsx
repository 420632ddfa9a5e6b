import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { isProduction } from "~/app/config/env.server";
import { getDatabase } from "~/app/db.server";
import { recentMessages } from "~/app/messaging/sandbox-outbox.server";
import { requireOperator } from "~/app/ops/session.server";

export const meta: MetaFunction = () => [{ title: "Sandbox messages — FlowPay" }];

/**
 * Development only: the texts and e-mails the sandbox adapters "sent", newest first, so a
 * developer can follow the borrower's link without a phone. 404 in production. The texts hold
 * borrowers' link tokens (their credential), so even outside production only a signed-in
 * FlowOps operator (the demo admin on a laptop) sees them.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  if (isProduction()) throw new Response("Not Found", { status: 404 });
  await requireOperator(request);
  return recentMessages(await getDatabase());
}

export default function DevMessages() {
  const rows = useLoaderData<typeof loader>();
  return (
    <main className="page">
      <h1>Sandbox messages</h1>
      <p className="muted">
        What FlowPay texted or e-mailed in this development database (newest first).
      </p>
      {rows.length === 0 ? <p>No messages yet.</p> : null}
      {rows.map((m) => (
        <article key={m.id} className="card">
          <p>
            <strong>{m.channel.toUpperCase()}</strong> to {m.to} · {m.template} ·{" "}
            <em>{m.status}</em> · <time dateTime={m.at}>{m.at}</time>
          </p>
          <p>{linkify(m.body)}</p>
        </article>
      ))}
    </main>
  );
}

function linkify(text: string) {
  return text.split(/(https?:\/\/\S+)/).map((part, i) =>
    /^https?:\/\//.test(part) ? (
      <a key={i} href={part}>
        {part}
      </a>
    ) : (
      part
    ),
  );
}
