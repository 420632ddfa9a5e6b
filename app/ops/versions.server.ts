import { parseWithZod } from "@conform-to/zod/v4";
import { inArray } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "~/db/client";
import { operators, type OperatorRole } from "~/db/schema/index";
import { firstError, postedIntent } from "./form-schemas.server";
import type { OpsOutcome, OpsRefusal } from "./outcome";
import { can, type Permission } from "./permissions";

/**
 * What the rules and pricing screens show of any version of a versioned document (a rule set,
 * a pricing table): its state, notes, and who made and published it — by operator name, the id
 * when the operator is gone. Both screens read their versions through `versionSummaries`, so
 * the history table (versions-ui.tsx) describes them the same way; and their pages share the
 * header, the answer and the draft lifecycle below (they were written twice).
 */
export type VersionSummary = {
  id: string;
  version: number;
  status: "draft" | "published" | "archived";
  notes: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  publishedBy: string | null;
  publishedAt: string | null;
};

type VersionRow = {
  id: string;
  version: number;
  status: VersionSummary["status"];
  notes: string | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  publishedBy: string | null;
  publishedAt: Date | null;
};

/** A summary function for `rows`, with their authors' and publishers' names read once. */
export async function versionSummaries(database: Database, rows: readonly VersionRow[]) {
  const ids = [
    ...new Set(rows.flatMap((row) => [row.createdBy, row.publishedBy]).filter((id) => id !== null)),
  ];
  const names = new Map(
    ids.length === 0
      ? []
      : (
          await database.db
            .select({ id: operators.id, name: operators.name })
            .from(operators)
            .where(inArray(operators.id, ids))
        ).map((row) => [row.id, row.name]),
  );
  const nameOf = (id: string | null) => (id ? (names.get(id) ?? id) : null);
  return (row: VersionRow): VersionSummary => ({
    id: row.id,
    version: row.version,
    status: row.status,
    notes: row.notes,
    createdBy: nameOf(row.createdBy),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    publishedBy: nameOf(row.publishedBy),
    publishedAt: row.publishedAt?.toISOString() ?? null,
  });
}

export type PageOperator = { name: string; email: string; role: OperatorRole };

/**
 * The top of a versioned editor page (rules, pricing): who is signed in, what they may do, and
 * the banner for the redirect that brought them here (`?done=published&version=3`).
 * `documentName` names a version in the "published" banner ("Version", "Pricing version").
 */
export function versionedPageHeader(
  operator: PageOperator,
  url: URL,
  permissions: { edit: Permission; publish: Permission },
  documentName: string,
) {
  const done = url.searchParams.get("done") ?? "";
  const version = url.searchParams.get("version") ?? "";
  const notices: Record<string, string> = {
    published: `${documentName} ${version} is published: the next decision uses it.`,
    started: `Draft v${version} started.`,
    discarded: `Draft v${version} discarded.`,
  };
  return {
    operator: { name: operator.name, email: operator.email, role: operator.role },
    canEdit: can(operator.role, permissions.edit),
    canPublish: can(operator.role, permissions.publish),
    notice: Object.hasOwn(notices, done) && /^\d+$/.test(version) ? notices[done]! : null,
  };
}

/** An answer of a versioned editor page: its data with a fresh nonce (remounts the editor). */
export function editorReply<T extends { nonce: string }>(
  body: Omit<T, "nonce">,
  status: 200 | OpsRefusal = 200,
) {
  return { status, body: { nonce: crypto.randomUUID(), ...body } as T };
}

const startDraftForm = z.object({
  fromVersion: z
    .string({ error: "Choose a version to start from" })
    .regex(/^\d{1,9}$/, "Choose a version to start from")
    .transform(Number),
});
/** The draft to discard: its id as posted (an unknown one is the editor's 404). */
const discardForm = (idField: string) => z.object({ [idField]: z.string().max(64).catch("") });

/**
 * The two intents every versioned editor has besides editing: "start-draft" (from the posted
 * `fromVersion`) and "discard" (the draft whose id is posted as `idField`), each redirecting
 * to `page` with its banner. Null for any other intent. Both forms are read with Conform
 * (issue 18); a version that does not read is refused (422) and nothing is started.
 */
export async function draftLifecycleIntent<T extends { nonce: string; error?: string }>(
  formData: FormData,
  editor: {
    page: string;
    idField: string;
    start: (fromVersion: number) => Promise<{ version: number }>;
    discard: (id: string) => Promise<{ version: number }>;
  },
): Promise<OpsOutcome<T> | null> {
  const intent = postedIntent(formData);
  if (intent === "start-draft") {
    const parsed = parseWithZod(formData, { schema: startDraftForm, disableAutoCoercion: true });
    if (parsed.status !== "success") {
      const error = firstError(parsed.error);
      return editorReply<T>({ error } as Omit<T, "nonce">, 422);
    }
    const draft = await editor.start(parsed.value.fromVersion);
    return { redirect: `${editor.page}?done=started&version=${draft.version}` };
  }
  if (intent === "discard") {
    const schema = discardForm(editor.idField);
    const parsed = parseWithZod(formData, { schema, disableAutoCoercion: true });
    const id = parsed.status === "success" ? String(parsed.value[editor.idField] ?? "") : "";
    const discarded = await editor.discard(id);
    return { redirect: `${editor.page}?done=discarded&version=${discarded.version}` };
  }
  return null;
}
