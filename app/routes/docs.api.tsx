import type { MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { appUrl } from "~/app/config/env.server";
import { fieldRows } from "~/app/crm/api-reference";
import { openApiDocument } from "~/app/crm/openapi.server";
import { verificationExample } from "~/app/webhooks/signing";

export const meta: MetaFunction = () => [{ title: "FlowPay API reference" }];

type Operation = {
  summary?: string;
  description?: string;
  operationId?: string;
  responses: Record<string, { description: string }>;
};

export function loader() {
  const doc = openApiDocument(appUrl());
  const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods as Record<string, Operation>).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      summary: op.summary ?? "",
      description: op.description ?? "",
      id: op.operationId ?? path,
      responses: Object.entries(op.responses).map(([status, r]) => ({
        status,
        description: r.description,
      })),
    })),
  );
  const schemas = Object.entries(doc.components.schemas).map(([name, schema]) => ({
    name,
    rows: fieldRows(schema as Parameters<typeof fieldRows>[0]),
  }));
  return { baseUrl: appUrl(), operations, schemas };
}

export default function ApiReference() {
  const { baseUrl, operations, schemas } = useLoaderData<typeof loader>();
  return (
    <main className="page">
      <h1>FlowPay API reference</h1>
      <p>
        Base URL <code>{baseUrl}</code>. Authenticate with{" "}
        <code>Authorization: Bearer &lt;api key&gt;</code> (keys are per merchant:{" "}
        <code>fp_live_…</code> or <code>fp_test_…</code>). Money is integer cents, rates are decimal
        strings, times are RFC 3339 UTC. Writes: 100 requests a minute per key and per IP; reads
        (GET): 600 a minute, and a <code>304 Not Modified</code> answer to{" "}
        <code>If-None-Match</code> costs none of them — poll with the <code>ETag</code>, or better,
        let us tell you (see <a href="#getApplication">polling</a>). One open application per CRM
        job: see <a href="#offerFinancing">offer financing</a>. The machine-readable document is{" "}
        <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1).
      </p>
      <h2>Example</h2>
      <pre className="card">{`curl -X POST ${baseUrl}/api/v1/crm/offer-financing \\
  -H "Authorization: Bearer $FLOWPAY_API_KEY" \\
  -H "Content-Type: application/json" \\
  -H "Idempotency-Key: 90517-offer-1" \\
  -d '{"crm":"fieldroutes","crm_customer_id":"48213",
       "customer":{"first_name":"John","last_name":"Doe","phone":"+15125550123"},
       "job":{"crm_job_id":"90517","description":"Termite treatment","estimate_cents":750000}}'`}</pre>
      <h2 id="webhook-signatures">Webhook signatures</h2>
      <p>
        Every delivery to a <a href="#createWebhookEndpoint">webhook endpoint</a> carries{" "}
        <code>FlowPay-Event-Id</code> (the same on every retry: dedupe on it) and{" "}
        <code>
          FlowPay-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(secret,
          &quot;&lt;t&gt;.&lt;raw body&gt;&quot;)&gt;
        </code>
        . Check it over the raw body, before parsing, and refuse a <code>t</code> more than 5
        minutes away. In Node, with no dependencies:
      </p>
      <pre className="card">{verificationExample}</pre>
      <h2>Endpoints</h2>
      {operations.map((op) => (
        <section key={op.id} className="card" id={op.id}>
          <h3>
            <code>
              {op.method} {op.path}
            </code>
          </h3>
          <p>{op.summary}</p>
          {op.description
            ? op.description
                .split("\n\n")
                .map((paragraph) => <p key={paragraph}>{paragraph.replace(/\*\*/g, "")}</p>)
            : null}
          <table>
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Meaning</th>
              </tr>
            </thead>
            <tbody>
              {op.responses.map((r) => (
                <tr key={r.status}>
                  <td>{r.status}</td>
                  <td>{r.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
      <h2>Schemas</h2>
      {schemas.map((schema) => (
        <section key={schema.name} className="card" id={`schema-${schema.name}`}>
          <h3>{schema.name}</h3>
          <table>
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">Type</th>
                <th scope="col">Required</th>
                <th scope="col">Notes</th>
              </tr>
            </thead>
            <tbody>
              {schema.rows.map((row) => (
                <tr key={row.path}>
                  <td>
                    <code>{row.path}</code>
                  </td>
                  <td>{row.type}</td>
                  <td>{row.required ? "yes" : "no"}</td>
                  <td>{row.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </main>
  );
}
