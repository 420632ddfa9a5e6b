import { parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { getDatabase } from "~/app/db.server";
import { requireAction, requirePermission } from "~/app/ops/guard.server";
import { jobIntentSchema } from "~/app/ops/form-schemas.server";
import {
  discardJob,
  JobActionError,
  loadJobsMonitor,
  retryJob,
  retryOutcome,
} from "~/app/ops/jobs.server";
import { OpsShell, When } from "~/app/ops/layout";
import { DataTable, Section } from "~/app/ops/page-ui";
import { can } from "~/app/ops/permissions";
import { IntentButton } from "~/app/ui/intent-button";

export const meta: MetaFunction = () => [{ title: "Jobs — FlowOps" }];

export const headers = () => ({ "Cache-Control": "no-store" });

export async function loader({ request }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "read:job");
  const url = new URL(request.url);
  const kind = url.searchParams.get("kind") || undefined;
  const before = url.searchParams.get("before");
  const beforeId = before && /^\d{1,15}$/.test(before) ? Number(before) : undefined;
  const monitor = await loadJobsMonitor(await getDatabase(), { kind, beforeId });
  const done = url.searchParams.get("done");
  const id = url.searchParams.get("id");
  const jobId = id && /^\d{1,15}$/.test(id) ? Number(id) : null;
  // A retried job's banner reads its state now: one that failed again says so, with its error.
  const retried =
    jobId !== null && done === "retried" ? await retryOutcome(await getDatabase(), jobId) : null;
  const notice =
    jobId !== null && done === "discarded" ? `Job ${jobId} was discarded.` : retried?.message;
  return {
    retryError: retried?.error ?? null,
    retriedId: retried ? jobId : null,
    operator: { name: operator.name, email: operator.email, role: operator.role },
    canManage: can(operator.role, "manage:job"),
    kind: kind ?? "",
    beforeId: beforeId ?? null,
    notice,
    ...monitor,
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const { operator } = await requireAction(request, "manage:job");
  const submission = parseWithZod(await request.formData(), { schema: jobIntentSchema });
  if (submission.status !== "success") {
    const unknownJob = Boolean(submission.error?.id);
    return data(
      { error: unknownJob ? "No such job" : "Unknown request" },
      { status: unknownJob ? 404 : 422 },
    );
  }
  const { intent, id } = submission.value;
  const actor = { actorType: "operator" as const, actorId: operator.id, ...clientInfo(request) };
  const database = await getDatabase();
  try {
    if (intent === "retry") {
      await retryJob(database, id, actor);
      return redirect(`/ops/jobs?done=retried&id=${id}`);
    }
    {
      await discardJob(database, id, actor);
      return redirect(`/ops/jobs?done=discarded&id=${id}`);
    }
  } catch (error) {
    if (error instanceof JobActionError)
      return data({ error: error.message }, { status: error.status });
    throw error;
  }
}

function duration(ms: number) {
  if (ms < 1000) return `${ms} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 120 ? `${minutes} min` : `${Math.round(minutes / 60)} h`;
}

export default function Jobs() {
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<{ error: string }>();
  const { stats } = data;
  const columns = ["pending", "ready", "running", "dead", "completed"] as const;
  return (
    <OpsShell operator={data.operator} title="Jobs" notice={data.notice} error={actionData?.error}>
      {data.retriedId !== null ? (
        <div className="card" role={data.retryError ? "alert" : undefined}>
          {data.retryError ? (
            <p className="error">
              Latest error of job {data.retriedId}: <code>{data.retryError}</code>
            </p>
          ) : null}
          <p className="small">
            <Link to={`/ops/jobs?done=retried&id=${data.retriedId}`}>
              Check job {data.retriedId} again
            </Link>
          </p>
        </div>
      ) : null}
      <Section id="depth-heading" title="Queue">
        <p>
          Oldest ready job has waited{" "}
          <strong>{stats.oldestReadyMs > 0 ? duration(stats.oldestReadyMs) : "—"}</strong>.{" "}
          <span className="muted small">(“Ready” jobs are pending and due now.)</span>
        </p>
        <DataTable
          caption="Jobs by kind and state"
          columns={["Kind", "Pending", "Ready", "Running", "Dead", "Completed (kept)"]}
        >
          {stats.kinds.map((row) => (
            <tr key={row.kind}>
              <th scope="row">{row.kind}</th>
              {columns.map((column) => (
                <td key={column}>{row[column]}</td>
              ))}
            </tr>
          ))}
          <tr>
            <th scope="row">All kinds</th>
            {columns.map((column) => (
              <td key={column}>
                <strong>{stats.totals[column]}</strong>
              </td>
            ))}
          </tr>
        </DataTable>
      </Section>

      <Section id="running-heading" title="Running now">
        {data.running.length === 0 ? (
          <p>No job is running.</p>
        ) : (
          <DataTable
            caption="Running jobs"
            columns={["Job", "Kind", "Attempt", "Worker", "Claimed", "Lease until"]}
            wrapper={false}
          >
            {data.running.map((job) => (
              <tr key={job.id}>
                <th scope="row">{job.id}</th>
                <td>{job.kind}</td>
                <td>
                  {job.attempts} of {job.maxAttempts}
                </td>
                <td>{job.lockedBy ?? "—"}</td>
                <td>
                  <When ms={job.claimedAt} seconds />
                </td>
                <td>
                  <When ms={job.lockedUntil} seconds />
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </Section>

      <Section id="dead-heading" title="Dead jobs">
        <Form method="get" className="filter">
          <label htmlFor="kind">Kind</label>
          <select id="kind" name="kind" defaultValue={data.kind}>
            <option value="">All kinds</option>
            {stats.kinds.map((row) => (
              <option key={row.kind} value={row.kind}>
                {row.kind}
              </option>
            ))}
          </select>
          <button type="submit" className="secondary">
            Show
          </button>
        </Form>
        {data.dead.length === 0 ? (
          <p>No dead jobs{data.kind ? ` of kind ${data.kind}` : ""}.</p>
        ) : (
          <DataTable
            caption="Dead jobs, newest first"
            columns={["Job", "Kind", "Attempts", "Died", "Last error", data.canManage && "Actions"]}
          >
            {data.dead.map((job) => (
              <tr key={job.id}>
                <th scope="row">
                  {job.id}
                  {job.key ? <div className="small muted">key {job.key}</div> : null}
                </th>
                <td>{job.kind}</td>
                <td>
                  {job.attempts} of {job.maxAttempts}
                </td>
                <td>
                  <When ms={job.diedAt} seconds />
                </td>
                <td className="last-error">
                  <code>{job.lastError ?? "—"}</code>
                </td>
                {data.canManage ? (
                  <td>
                    <Form method="post" className="inline-form">
                      <input type="hidden" name="id" value={job.id} />
                      <IntentButton
                        intent="retry"
                        className="small"
                        aria-label={`Retry job ${job.id}`}
                      >
                        Retry
                      </IntentButton>{" "}
                      <IntentButton
                        intent="discard"
                        className="secondary small"
                        aria-label={`Discard job ${job.id}`}
                      >
                        Discard
                      </IntentButton>
                    </Form>
                  </td>
                ) : null}
              </tr>
            ))}
          </DataTable>
        )}
        {data.nextBeforeId !== null ? (
          <p>
            <Link
              to={`/ops/jobs?${new URLSearchParams({
                ...(data.kind ? { kind: data.kind } : {}),
                before: String(data.nextBeforeId),
              }).toString()}`}
            >
              Older dead jobs
            </Link>
          </p>
        ) : null}
        {data.beforeId !== null ? (
          <p>
            <Link to={data.kind ? `/ops/jobs?kind=${encodeURIComponent(data.kind)}` : "/ops/jobs"}>
              Newest dead jobs
            </Link>
          </p>
        ) : null}
      </Section>
    </OpsShell>
  );
}
