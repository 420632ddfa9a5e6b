import { inArray } from "drizzle-orm";
import type { Database } from "~/db/client";
import { operators } from "~/db/schema/index";

/**
 * What the rules and pricing screens show of any version of a versioned document (a rule set,
 * a pricing table): its state, notes, and who made and published it — by operator name, the id
 * when the operator is gone. Both screens read their versions through `versionSummaries`, so
 * the history table (versions-ui.tsx) describes them the same way.
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
