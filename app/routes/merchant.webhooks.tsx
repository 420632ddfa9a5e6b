import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { getDatabase } from "~/app/db.server";
import { notFound, requirePortal, requirePortalAction } from "~/app/merchant/guard.server";
import { PortalShell, shellUser } from "~/app/merchant/layout";
import { When } from "~/app/ops/layout";
import { IntentButton } from "~/app/ui/intent-button";
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  enableWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  resendDelivery,
} from "~/app/webhooks/endpoints.server";
import { createWebhookEndpointRequest } from "~/app/webhooks/schemas";

export const meta: MetaFunction = () => [{ title: "Webhooks — FlowPay merchant portal" }];

/** A new endpoint's secret is in this page once: never cache it. */
export const headers = () => ({ "Cache-Control": "no-store" });

/** What a merchant can subscribe an endpoint to from the portal (the API takes any type too). */
const subscriptions = [
  { value: "*", label: "Every event" },
  { value: "application.*", label: "Applications (created, submitted, decided, signed, …)" },
  { value: "loan.*", label: "Loans (pending funding, funded, refunded, …)" },
  { value: "prequalification.completed", label: "Prequalifications completed" },
];

/**
 * The merchant's webhook endpoints and their delivery log, with "resend"
 * (docs/product/merchants-and-money.md, "Outbound webhooks"; ADR 063). Owners and managers, like
 * API keys: both are the integration's.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const context = await requirePortal(request, "manage:api_key");
  const database = await getDatabase();
  const merchantId = context.scope.merchantId;
  const [endpoints, deliveries] = await Promise.all([
    listWebhookEndpoints(database, merchantId),
    listWebhookDeliveries(database, merchantId, { limit: 50 }),
  ]);
  const urls = new Map(endpoints.map((e) => [e.id, e.url]));
  return {
    user: shellUser(context),
    endpoints,
    deliveries: deliveries.map((d) => ({
      id: d.id,
      eventId: d.eventId,
      type: d.type,
      applicationId: d.applicationId,
      url: urls.get(d.endpointId) ?? "(deleted endpoint)",
      state: d.state,
      attempts: d.attempts,
      last: d.lastStatusCode ? `HTTP ${d.lastStatusCode}` : (d.lastError ?? "—"),
      at: (d.lastAttemptAt ?? d.createdAt).toISOString(),
      resendable: urls.has(d.endpointId) && ["delivered", "dead", "canceled"].includes(d.state),
    })),
  };
}

type ActionData = { error: string | null; notice: string | null; secret: string | null };

export async function action({ request }: ActionFunctionArgs): Promise<ActionData> {
  const context = await requirePortalAction(request, "manage:api_key");
  const database = await getDatabase();
  const merchantId = context.scope.merchantId;
  const formData = await request.formData();
  const intent = String(formData.get("intent") ?? "");
  const actor = {
    actorType: "merchant_user" as const,
    actorId: context.user.id,
    ...context.client,
  };
  if (intent === "create") {
    const parsed = createWebhookEndpointRequest.safeParse({
      url: String(formData.get("url") ?? "").trim(),
      events: formData.getAll("events").map(String),
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const message =
        issue.path[0] === "events"
          ? "Choose at least one kind of event"
          : "Enter the endpoint's URL";
      return { error: message, notice: null, secret: null };
    }
    const created = await createWebhookEndpoint(database, merchantId, parsed.data, actor);
    if (!created.ok)
      return { error: `The endpoint's ${created.message}`, notice: null, secret: null };
    return { error: null, notice: null, secret: created.endpoint.secret };
  }
  const id = String(formData.get("id") ?? "");
  if (intent === "delete") {
    if (!(await deleteWebhookEndpoint(database, merchantId, id, actor))) notFound();
    return { error: null, notice: "Endpoint deleted: it gets no more events.", secret: null };
  }
  if (intent === "enable") {
    if (!(await enableWebhookEndpoint(database, merchantId, id, actor))) notFound();
    return {
      error: null,
      notice: "Endpoint enabled: new events are delivered again.",
      secret: null,
    };
  }
  if (intent === "resend") {
    const result = await resendDelivery(database, merchantId, id, actor);
    if (!result.ok && result.reason === "not_found") notFound();
    if (!result.ok) {
      const error =
        result.reason === "endpoint_disabled"
          ? "Enable the endpoint first: a disabled endpoint gets nothing."
          : "That delivery is still being tried.";
      return { error, notice: null, secret: null };
    }
    return { error: null, notice: "Sent again (same event id).", secret: null };
  }
  throw new Response("Bad Request", { status: 400 });
}

export default function MerchantWebhooks() {
  const { user, endpoints, deliveries } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <PortalShell user={user} title="Webhooks" error={data?.error} notice={data?.notice}>
      {data?.secret ? (
        <div className="card new-key" role="status">
          <p>
            <strong>Signing secret:</strong> <code data-testid="webhook-secret">{data.secret}</code>
          </p>
          <p className="error">Copy it now: it is shown only once.</p>
          <p className="muted small">
            Check each delivery&apos;s <code>FlowPay-Signature</code> with it: see{" "}
            <a href="/docs/api#webhook-signatures">the example</a>.
          </p>
        </div>
      ) : null}
      <div className="table-scroll" tabIndex={0}>
        <table>
          <caption>Endpoints</caption>
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Events</th>
              <th scope="col">State</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {endpoints.length === 0 ? (
              <tr>
                <td colSpan={4}>No endpoints yet.</td>
              </tr>
            ) : null}
            {endpoints.map((e) => (
              <tr key={e.id}>
                <td>
                  <code>{e.url}</code>
                </td>
                <td>{e.events.join(", ")}</td>
                <td>{e.status === "enabled" ? "enabled" : `disabled (${e.disabled_reason})`}</td>
                <td>
                  <Form method="post" className="inline-form">
                    <input type="hidden" name="id" value={e.id} />
                    {e.status === "disabled" ? (
                      <IntentButton intent="enable" className="small-button" disabled={busy}>
                        Enable<span className="visually-hidden"> {e.url}</span>
                      </IntentButton>
                    ) : null}{" "}
                    <IntentButton
                      intent="delete"
                      className="small-button secondary"
                      disabled={busy}
                    >
                      Delete<span className="visually-hidden"> {e.url}</span>
                    </IntentButton>
                  </Form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <section aria-labelledby="new-endpoint-heading">
        <h2 id="new-endpoint-heading">New endpoint</h2>
        <Form method="post" className="card narrow-form">
          <label htmlFor="endpoint-url">URL</label>
          <input
            id="endpoint-url"
            name="url"
            type="url"
            required
            maxLength={2048}
            placeholder="https://crm.example.com/flowpay"
            autoComplete="off"
          />
          <fieldset>
            <legend>Events</legend>
            {subscriptions.map((s) => (
              <label key={s.value} className="choice">
                <input
                  type="checkbox"
                  name="events"
                  value={s.value}
                  defaultChecked={s.value === "*"}
                />{" "}
                {s.label}
              </label>
            ))}
          </fieldset>
          <IntentButton intent="create" disabled={busy}>
            Add endpoint
          </IntentButton>
        </Form>
      </section>
      <div className="table-scroll" tabIndex={0}>
        <table>
          <caption>Delivery log (latest 50)</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Event</th>
              <th scope="col">Endpoint</th>
              <th scope="col">State</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last answer</th>
              <th scope="col">Resend</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.length === 0 ? (
              <tr>
                <td colSpan={7}>No deliveries yet.</td>
              </tr>
            ) : null}
            {deliveries.map((d) => (
              <tr key={d.id}>
                <td>
                  <When iso={d.at} seconds />
                </td>
                <td>
                  {d.type}
                  <div className="muted small">
                    <code>{d.eventId}</code>
                    {d.applicationId ? (
                      <>
                        {" "}
                        · <code>{d.applicationId}</code>
                      </>
                    ) : null}
                  </div>
                </td>
                <td>
                  <code>{d.url}</code>
                </td>
                <td>{d.state === "dead" ? "dead letter" : d.state}</td>
                <td>{d.attempts}</td>
                <td>{d.last}</td>
                <td>
                  {d.resendable ? (
                    <Form method="post" className="inline-form">
                      <input type="hidden" name="id" value={d.id} />
                      <IntentButton intent="resend" className="small-button" disabled={busy}>
                        Resend<span className="visually-hidden"> {d.eventId}</span>
                      </IntentButton>
                    </Form>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </PortalShell>
  );
}
