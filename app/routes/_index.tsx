import type { MetaFunction } from "@remix-run/node";

export const meta: MetaFunction = () => [{ title: "FlowPay — financing for home-service jobs" }];

export default function Index() {
  return (
    <main className="page narrow">
      <h1>FlowPay</h1>
      <p>
        Embedded consumer financing for home-service businesses: the technician offers financing
        from the CRM, the homeowner applies from a text message, a lender funds the job.
      </p>
      <div className="card">
        <h2>FlowOps staff</h2>
        <p>
          <a className="button" href="/ops/login">
            Sign in to FlowOps
          </a>
        </p>
      </div>
      <p className="muted">Homeowners: use the link in the text message you received to apply.</p>
    </main>
  );
}
