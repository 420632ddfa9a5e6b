import { parseWithZod } from "@conform-to/zod/v4";
import {
  data,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { getDatabase } from "~/app/db.server";
import { formatMoney } from "~/app/money/dollars";
import { revealReasonMinLength, statusLabels } from "~/app/ops/applications";
import { loadApplicationDetail, revealPii, RevealError } from "~/app/ops/applications.server";
import { shortTime, Timeline } from "~/app/ops/applications-view";
import { DecisionsAndNotices } from "~/app/ops/evidence-view";
import { firstError, postedIntent, revealSchema } from "~/app/ops/form-schemas.server";
import { requireAction, requirePermission } from "~/app/ops/guard.server";
import { OpsShell } from "~/app/ops/layout";
import { can } from "~/app/ops/permissions";
import {
  isLenderDeclineIntent,
  lenderDeclineAction,
  rerouteChoices,
  type LenderDeclineResult,
} from "~/app/ops/lender-decline.server";
import { LoanSection } from "~/app/ops/loan-section";
import { MoneySection } from "~/app/ops/money-section";
import {
  isCancelIntent,
  loanMoney,
  opsCancelAction,
  opsMayCancel,
  type CancelResult,
} from "~/app/ops/money.server";

export const meta: MetaFunction = () => [{ title: "Application — FlowOps" }];

// Pages that may carry a revealed value are never stored by a browser or a proxy.
export const headers = () => ({ "Cache-Control": "no-store" });

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "read:application");
  // The page's reads run in a reader thread, off the thread that serves requests (ADR 083).
  const database = (await getDatabase()).reader;
  // Credit evidence is left out in the loader for a role without it (ADR 082), never hidden.
  const detail = await loadApplicationDetail(database, params.applicationId ?? "", {
    evidence: can(operator.role, "read:credit_evidence"),
  });
  if (!detail) throw new Response("Not Found", { status: 404 });
  const canResolve = can(operator.role, "resolve:review");
  return {
    operator: { name: operator.name, email: operator.email, role: operator.role },
    canReveal: can(operator.role, "reveal:pii"),
    canReview: can(operator.role, "read:review"),
    canResolve,
    money: await loanMoney(database, detail.application.id),
    mayCancel: canResolve && opsMayCancel(detail.application.status, detail.loan),
    rerouteTo:
      detail.loan?.status === "lender_declined" ? await rerouteChoices(detail.loan.lender) : null,
    detail,
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const form = await request.clone().formData();
  const intent = postedIntent(form);
  if (isLenderDeclineIntent(intent)) {
    return lenderDeclineAction(request, params.applicationId ?? "", form);
  }
  if (isCancelIntent(intent)) {
    return opsCancelAction(request, params.applicationId ?? "", form);
  }
  // Only operators who may see PII get past this (a 403 and an audit record otherwise).
  const { operator } = await requireAction(request, "reveal:pii");
  const parsed = parseWithZod(await request.formData(), {
    schema: revealSchema,
    disableAutoCoercion: true,
  });
  if (parsed.status !== "success") {
    return data({ revealed: null, error: firstError(parsed.error) }, { status: 422 });
  }
  try {
    const value = await revealPii(await getDatabase(), {
      applicationId: params.applicationId ?? "",
      field: parsed.value.field,
      reason: parsed.value.reason,
      operatorId: operator.id,
      client: clientInfo(request),
    });
    return { revealed: { field: parsed.value.field, value }, error: null };
  } catch (error) {
    if (error instanceof RevealError) {
      return data({ revealed: null, error: error.message }, { status: error.status });
    }
    throw error;
  }
}

export default function ApplicationDetail() {
  const { operator, canReveal, canReview, canResolve, rerouteTo, detail, money, mayCancel } =
    useLoaderData<typeof loader>();
  // The reveal's answer or the lender-decline form's (which has a notice).
  const result = useActionData<
    | { revealed: { field: string; value: string } | null; error: string | null }
    | LenderDeclineResult
    | CancelResult
  >();
  const busy = useNavigation().state === "submitting";
  const { application: a, customer: c } = detail;
  const revealed = result && !("notice" in result) ? result.revealed : null;
  const revealError = result && !("notice" in result) ? result.error : null;
  const openReview = detail.reviews.find((r) => r.status !== "resolved");
  return (
    <OpsShell operator={operator} title={`Application of ${c.name}`}>
      <p>
        <Link to="/ops/applications">All applications</Link>
      </p>
      <section aria-labelledby="facts-heading" className="card">
        <h2 id="facts-heading">Summary</h2>
        <dl className="facts">
          <div>
            <dt>Status</dt>
            <dd>
              <span className={`badge status-${a.status}`}>{statusLabels[a.status]}</span>
            </dd>
          </div>
          <div>
            <dt>Application id</dt>
            <dd>{a.id}</dd>
          </div>
          <div>
            <dt>Amount</dt>
            <dd>{formatMoney(a.amountCents)}</dd>
          </div>
          <div>
            <dt>Merchant</dt>
            <dd>{detail.merchant.name}</dd>
          </div>
          <div>
            <dt>Job</dt>
            <dd>
              {detail.job
                ? `${detail.job.description ?? "—"} (CRM job ${detail.job.crmJobId}, estimate ${formatMoney(detail.job.estimateCents)})`
                : "—"}
            </dd>
          </div>
          <div>
            <dt>CRM</dt>
            <dd>{a.crm}</dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd>{shortTime(a.createdAt)}</dd>
          </div>
          <div>
            <dt>Submitted</dt>
            <dd>{shortTime(a.submittedAt)}</dd>
          </div>
          <div>
            <dt>Decided</dt>
            <dd>{shortTime(a.decidedAt)}</dd>
          </div>
          {detail.evidence ? (
            <div>
              <dt>Monthly income / housing</dt>
              <dd>
                {a.monthlyIncomeCents !== null ? formatMoney(a.monthlyIncomeCents) : "—"} /{" "}
                {a.housingCostCents !== null ? formatMoney(a.housingCostCents) : "—"}
              </dd>
            </div>
          ) : null}
          <div>
            <dt>Bank link / identity check</dt>
            <dd>
              {a.bankLinkStatus ?? "—"} / {a.kycStatus ?? "—"}
            </dd>
          </div>
        </dl>
        {openReview && canReview ? (
          <p>
            In the review queue:{" "}
            <Link to={`/ops/reviews/${openReview.id}`}>open the manual review</Link>
          </p>
        ) : null}
      </section>

      <section aria-labelledby="customer-heading" className="card">
        <h2 id="customer-heading">Customer</h2>
        <dl className="facts">
          <div>
            <dt>Name</dt>
            <dd>{c.name}</dd>
          </div>
          <div>
            <dt>Phone</dt>
            <dd>{c.phone}</dd>
          </div>
          <div>
            <dt>E-mail</dt>
            <dd>{c.email ?? "—"}</dd>
          </div>
          <div>
            <dt>Address</dt>
            <dd>{c.address || "—"}</dd>
          </div>
          <div>
            <dt>CRM customer id</dt>
            <dd>{c.crmCustomerId}</dd>
          </div>
          <div>
            <dt>SSN</dt>
            <dd data-testid="ssn">{revealed?.field === "ssn" ? revealed.value : c.ssnMasked}</dd>
          </div>
          <div>
            <dt>Date of birth</dt>
            <dd data-testid="dob">
              {revealed?.field === "date_of_birth" ? revealed.value : c.dateOfBirthMasked}
            </dd>
          </div>
        </dl>
        {revealed ? (
          <p role="status" className="notice-revealed">
            Revealed to you for this page view only; the reveal and your reason are in the audit
            log.
          </p>
        ) : null}
        {canReveal && (c.hasSsn || c.hasDateOfBirth) ? (
          <Form method="post" className="reveal-form" aria-labelledby="reveal-heading">
            <h3 id="reveal-heading">Reveal sensitive data</h3>
            {revealError ? (
              <p id="reveal-error" className="error" role="alert">
                {revealError}
              </p>
            ) : null}
            <label htmlFor="reveal-reason">Reason (required, e.g. the support ticket)</label>
            <input
              id="reveal-reason"
              name="reason"
              required
              minLength={revealReasonMinLength}
              maxLength={500}
              autoComplete="off"
              aria-describedby={revealError ? "reveal-error reveal-hint" : "reveal-hint"}
            />
            <p id="reveal-hint" className="muted small">
              At least {revealReasonMinLength} characters. Every reveal is audited.
            </p>
            {c.hasSsn ? (
              <button type="submit" name="field" value="ssn" disabled={busy}>
                Reveal SSN
              </button>
            ) : null}{" "}
            {c.hasDateOfBirth ? (
              <button type="submit" name="field" value="date_of_birth" disabled={busy}>
                Reveal date of birth
              </button>
            ) : null}
          </Form>
        ) : null}
      </section>

      <DecisionsAndNotices
        evidence={detail.evidence}
        decisions={detail.decisions}
        outcomes={detail.outcomes}
        notices={detail.notices}
      />

      <LoanSection
        loan={detail.loan}
        rerouteTo={canResolve ? rerouteTo : null}
        busy={busy}
        error={result && "notice" in result ? result.error : null}
        notice={result && "notice" in result ? result.notice : null}
      />

      <MoneySection
        money={money}
        mayCancel={mayCancel}
        busy={busy}
        error={result && "notice" in result ? result.error : null}
      />

      <section aria-labelledby="timeline-heading" className="card">
        <h2 id="timeline-heading">Timeline</h2>
        <Timeline events={detail.timeline} />
      </section>
    </OpsShell>
  );
}
