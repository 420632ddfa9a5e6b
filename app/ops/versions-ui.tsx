import { Form } from "@remix-run/react";
import type { ReactNode } from "react";
import { When } from "./layout";
import { IntentButton } from "~/app/ui/intent-button";

export type VersionRow = {
  id: string;
  version: number;
  status: string;
  publishedBy: string | null;
  publishedAt: string | null;
  notes: string | null;
};

/**
 * The history of a versioned document (rule sets, pricing tables): every version, who published
 * it, and — for editors while no draft exists — "New draft from vN". `extra` adds one column.
 */
export function VersionHistory<Row extends VersionRow>(props: {
  caption: string;
  rows: Row[];
  canEdit: boolean;
  hasDraft: boolean;
  extra?: { heading: string; cell: (row: Row) => ReactNode };
}) {
  const { rows, canEdit, hasDraft, extra } = props;
  return (
    <section className="card" aria-labelledby="history-heading">
      <h2 id="history-heading">History</h2>
      <div className="table-scroll" tabIndex={0}>
        <table>
          <caption className="visually-hidden">{props.caption}</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Status</th>
              {extra ? <th scope="col">{extra.heading}</th> : null}
              <th scope="col">Published by</th>
              <th scope="col">Published</th>
              <th scope="col">Notes</th>
              {canEdit ? <th scope="col">Copy</th> : null}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id}>
                <th scope="row">v{row.version}</th>
                <td>
                  <span className="badge">{row.status}</span>
                </td>
                {extra ? <td>{extra.cell(row)}</td> : null}
                <td>{row.publishedBy ?? (row.status === "draft" ? "—" : "the system")}</td>
                <td>
                  <When iso={row.publishedAt} />
                </td>
                <td>{row.notes ?? ""}</td>
                {canEdit ? (
                  <td>
                    {row.status !== "draft" && !hasDraft ? (
                      <Form method="post" className="inline-form">
                        <input type="hidden" name="fromVersion" value={row.version} />
                        <IntentButton intent="start-draft" className="secondary small">
                          New draft from v{row.version}
                        </IntentButton>
                      </Form>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
