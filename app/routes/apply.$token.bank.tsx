import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { linkBank, sandboxBanks } from "~/app/borrower/bank.server";
import { guardPublicForm, loadJourney } from "~/app/borrower/context.server";
import { getBankLink } from "~/app/borrower/partners.server";
import { PlaidLinkButton } from "~/app/borrower/plaid-link";
import { nextAfterBank, redirectToNext } from "~/app/borrower/shortcuts.server";
import { saveBankLink } from "~/app/borrower/steps.server";
import { BorrowerShell, Honeypot } from "~/app/borrower/ui";

export async function loader({ params }: LoaderFunctionArgs) {
  const j = await loadJourney(params.token, "bank");
  const adapter = getBankLink();
  // Live Plaid Link needs a link token (and JavaScript); the sandbox shows a plain chooser.
  const linkToken =
    adapter?.name === "plaid"
      ? (await adapter.createLinkToken({ clientUserId: j.application.id })).linkToken
      : null;
  return {
    merchant: j.merchant.name,
    mode: adapter?.name ?? "unavailable",
    linkToken,
    banks:
      adapter?.name === "sandbox"
        ? sandboxBanks.map(({ id, label, description, publicToken }) => ({
            id,
            label,
            description,
            publicToken,
          }))
        : [],
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const j = await loadJourney(params.token, "bank");
  const form = await request.formData();
  await guardPublicForm(request, form);
  const client = clientInfo(request);
  if (form.get("intent") === "skip") {
    await saveBankLink(j, { kind: "skipped" }, client);
    return redirectToNext(j.token, await nextAfterBank(j, client));
  }
  const publicToken = String(form.get("publicToken") ?? "");
  if (!/^[\w-]{8,200}$/.test(publicToken)) return { error: "Choose your bank first." };
  const result = await linkBank(j, publicToken, client);
  if (!result.ok) return { error: result.message };
  // Identity inline: the review page next when the identity provider answers at once (issue 17).
  return redirectToNext(j.token, await nextAfterBank(j, client));
}

export default function Bank() {
  const d = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <BorrowerShell merchantName={d.merchant} page="bank" title="Link your bank account">
      <p>
        Linking your checking account lets us see your balances and income deposits, so you get a
        decision right away. We never see your bank password and can't move money.
      </p>
      {data?.error ? (
        <p className="error" role="alert">
          {data.error}
        </p>
      ) : null}
      {d.mode === "sandbox" ? (
        <Form method="post" className="card">
          <Honeypot />
          <fieldset>
            <legend>Sandbox banks (test data)</legend>
            {d.banks.map((bank, i) => (
              <label key={bank.id} className="choice">
                <input
                  type="radio"
                  name="publicToken"
                  value={bank.publicToken}
                  defaultChecked={i === 0}
                />{" "}
                <span>
                  <strong>{bank.label}</strong>
                  <br />
                  <span className="muted small">{bank.description}</span>
                </span>
              </label>
            ))}
          </fieldset>
          <button type="submit" name="intent" value="link" disabled={busy}>
            {busy ? "Linking…" : "Link this bank"}
          </button>
        </Form>
      ) : d.mode === "plaid" ? (
        <div className="card">
          <PlaidLinkButton linkToken={d.linkToken} />
          <noscript>
            <p>Linking a bank needs JavaScript. You can continue without it below.</p>
          </noscript>
        </div>
      ) : null}
      <Form method="post" className="card">
        <Honeypot />
        <p className="muted">
          Prefer not to? You can continue without a bank link: a specialist will review your
          application, usually within one business day.
        </p>
        <button type="submit" name="intent" value="skip" className="secondary" disabled={busy}>
          Continue without linking a bank
        </button>
      </Form>
    </BorrowerShell>
  );
}
