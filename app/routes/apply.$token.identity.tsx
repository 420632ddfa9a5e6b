import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { guardPublicForm, loadJourney } from "~/app/borrower/context.server";
import {
  finishIdentityCheck,
  skipIdentityCheck,
  startIdentityCheck,
} from "~/app/borrower/identity.server";
import { pagePath } from "~/app/borrower/journey";
import { BorrowerShell, Honeypot } from "~/app/borrower/ui";

export async function loader({ params, request }: LoaderFunctionArgs) {
  const j = await loadJourney(params.token, "identity");
  const returned = new URL(request.url).searchParams.get("inquiry-id");
  let message: string | null = null;
  if (returned) {
    const outcome = await finishIdentityCheck(j, returned, clientInfo(request));
    if (outcome === "done") throw redirect(pagePath(j.token, "review"));
    message =
      outcome === "pending"
        ? "Your identity check isn't finished yet. If you completed it, wait a moment and refresh this page."
        : outcome === "unavailable"
          ? "We couldn't reach our identity partner. Please refresh in a minute."
          : "That identity check doesn't belong to this application. Please start it again.";
  }
  return { merchant: j.merchant.name, message };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const j = await loadJourney(params.token, "identity");
  await guardPublicForm(request, await request.formData());
  const started = await startIdentityCheck(j);
  if (!started.ok && started.message === "unavailable") {
    await skipIdentityCheck(j, clientInfo(request));
    return redirect(pagePath(j.token, "review"));
  }
  if (!started.ok) return { error: started.message };
  return redirect(started.url, 303);
}

export default function Identity() {
  const d = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const message = data?.error ?? d.message;
  return (
    <BorrowerShell merchantName={d.merchant} page="identity" title="Verify your identity">
      {message ? (
        <p className="error" role="alert">
          {message}
        </p>
      ) : null}
      <div className="card">
        <p>
          Our partner Persona will ask for a photo of your driver's license and a quick selfie. It
          takes about a minute, then brings you back here.
        </p>
        <Form method="post" reloadDocument>
          <Honeypot />
          <button type="submit" disabled={busy}>
            {busy ? "Opening…" : "Verify my identity"}
          </button>
        </Form>
      </div>
    </BorrowerShell>
  );
}
