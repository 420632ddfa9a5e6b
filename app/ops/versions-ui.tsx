import { Form, useActionData, useNavigation } from "@remix-run/react";
import type { ReactNode } from "react";
import { When } from "./layout";
import { DataTable, Section } from "./page-ui";
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
    <Section id="history-heading" title="History">
      <DataTable
        caption={props.caption}
        columns={[
          "Version",
          "Status",
          extra?.heading,
          "Published by",
          "Published",
          "Notes",
          canEdit && "Copy",
        ]}
      >
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
      </DataTable>
    </Section>
  );
}

/**
 * The answer to the last post, once the page's data has been reloaded after it (`undefined`
 * while a post is under way): shown earlier, the editor would be replaced by the saved version
 * after the answer appeared. `busy` is true while a form is being submitted.
 */
export function useSettledAnswer<T>() {
  const navigation = useNavigation();
  const submitted = useActionData<T>();
  return {
    answer: navigation.state === "idle" ? submitted : undefined,
    busy: navigation.state === "submitting",
  };
}

type ProblemsView<P> = (props: { id: string; title: string; problems: P[] }) => ReactNode;

/**
 * What a save, validate or refused publish said, above the editor. `Problems` renders one list
 * of problems (pricing lists strings, rules group them by rule); `subject` names what was not
 * published ("the table", "the draft").
 */
export function EditorAnswer<P>(props: {
  answer: { message?: string; validation?: P[]; publishRefused?: P[] } | undefined;
  subject: string;
  Problems: ProblemsView<P>;
}) {
  const { answer, Problems } = props;
  return (
    <>
      {answer?.message ? <p role="status">{answer.message}</p> : null}
      {answer?.publishRefused ? (
        <div role="alert">
          <p className="error">Not published: {props.subject} has problems.</p>
          <Problems
            id="publish-problems"
            title="Why it cannot be published"
            problems={answer.publishRefused}
          />
        </div>
      ) : null}
      {answer?.validation ? (
        <Problems id="validation-heading" title="Validation" problems={answer.validation} />
      ) : null}
    </>
  );
}

type PublishedVersion = {
  version: number;
  publishedBy: string | null;
  publishedAt: string | null;
  notes: string | null;
};

/**
 * The published version: who published it and when, its content (`children`), and — for an
 * editor while no draft exists — "Start a draft from version N". `none` is the heading when
 * nothing is published.
 */
export function PublishedSection(props: {
  published: PublishedVersion | null;
  none: string;
  mayStartDraft: boolean;
  children?: ReactNode;
}) {
  const { published } = props;
  return (
    <Section
      id="published-heading"
      title={published ? `Published: version ${published.version}` : props.none}
    >
      {published ? (
        <>
          <p>
            Published by {published.publishedBy ?? "the system"} on{" "}
            <When iso={published.publishedAt} />
            {published.notes ? <> — {published.notes}</> : null}
          </p>
          {props.children}
        </>
      ) : null}
      {published && props.mayStartDraft ? (
        <Form method="post">
          <input type="hidden" name="fromVersion" value={published.version} />
          <IntentButton intent="start-draft">
            Start a draft from version {published.version}
          </IntentButton>
        </Form>
      ) : null}
    </Section>
  );
}

type DraftVersion = {
  id: string;
  version: number;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
};

/**
 * The draft's card: who started it and when it was last saved, the editor (`children`), and
 * "Discard draft vN" (posting the draft's id as `idField`). `saves` says what every button of
 * the editor saves first ("the table", "the rows").
 */
export function DraftSection(props: {
  draft: DraftVersion;
  idField: string;
  saves: string;
  children: ReactNode;
  after?: ReactNode;
}) {
  const { draft } = props;
  return (
    <Section id="draft-heading" title={`Draft v${draft.version}`}>
      <p className="muted">
        Started by {draft.createdBy ?? "the system"} on <When iso={draft.createdAt} />; last saved{" "}
        <When iso={draft.updatedAt} />. Every button below saves {props.saves} first.
      </p>
      {props.children}
      <Form method="post">
        <input type="hidden" name={props.idField} value={draft.id} />
        <IntentButton intent="discard" className="secondary">
          Discard draft v{draft.version}
        </IntentButton>
      </Form>
      {props.after}
    </Section>
  );
}

/** "Save draft" (disabled while a post is under way) and "Validate", then any further buttons. */
export function DraftToolbar(props: { busy: boolean; children?: ReactNode }) {
  return (
    <div className="toolbar">
      <IntentButton intent="save" disabled={props.busy}>
        Save draft
      </IntentButton>
      <IntentButton intent="validate" className="secondary">
        Validate
      </IntentButton>
      {props.children}
    </div>
  );
}
