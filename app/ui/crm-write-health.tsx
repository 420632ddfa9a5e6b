import type { WriteHealth } from "~/app/crm-sync/write-health";

const at = (ms: number | null) =>
  ms === null ? null : (
    <time dateTime={new Date(ms).toISOString()}>
      {new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC
    </time>
  );

/**
 * A CRM card's write-back facts (ADR 080), the same in FlowOps and in the merchant portal:
 * failing or working, failures since the last success and in the last 24 hours, the last error
 * and when, the last success — never "connected" with no error while writes are failing.
 */
export function CrmWriteHealth({ health }: { health: WriteHealth }) {
  const failing = health.operations.filter((op) => op.failuresSinceSuccess > 0);
  return (
    <dl className="facts" aria-label={`${health.crm} write-backs`}>
      <div>
        <dt>Write-backs</dt>
        <dd>
          {health.failing ? (
            <strong className="error">
              Failing: {health.failuresSinceSuccess}{" "}
              {health.failuresSinceSuccess === 1 ? "failure" : "failures"} since the last success
            </strong>
          ) : health.lastSuccessAt !== null ? (
            <span className="badge">Working</span>
          ) : (
            <span className="badge">No calls yet</span>
          )}{" "}
          <span className="muted small">{health.failuresLast24h} failed in the last 24 hours</span>
        </dd>
      </div>
      <div>
        <dt>Last error</dt>
        <dd>
          {health.lastError ? (
            <>
              {health.lastError} <span className="muted small">({at(health.lastFailureAt)})</span>
            </>
          ) : (
            "none"
          )}
        </dd>
      </div>
      <div>
        <dt>Last success</dt>
        <dd>{at(health.lastSuccessAt) ?? "never"}</dd>
      </div>
      {failing.length > 0 ? (
        <div>
          <dt>Failing operations</dt>
          <dd>
            <ul>
              {failing.map((op) => (
                <li key={op.operation}>
                  {op.operation}: {op.failuresSinceSuccess} since{" "}
                  {op.lastSuccessAt === null ? "the first call" : at(op.lastSuccessAt)}
                  {op.lastError ? ` — ${op.lastError}` : null}
                </li>
              ))}
            </ul>
          </dd>
        </div>
      ) : null}
    </dl>
  );
}
