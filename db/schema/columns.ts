import { integer, text } from "drizzle-orm/sqlite-core";

/** Times are stored as integer milliseconds since the epoch (UTC); drizzle maps them to Date. */
export const timestamp = (name: string) => integer(name, { mode: "timestamp_ms" });

/** Creation/update times every table carries. */
export const timestamps = {
  createdAt: timestamp("created_at")
    .notNull()
    .$defaultFn(() => new Date()),
  updatedAt: timestamp("updated_at")
    .notNull()
    .$defaultFn(() => new Date())
    .$onUpdateFn(() => new Date()),
};

/** Money is always an integer number of cents. */
export const cents = (name: string) => integer(name);

/** JSON documents (snapshots, payloads) stored as text. */
export const json = <T>(name: string) => text(name, { mode: "json" }).$type<T>();

/** A value encrypted by app/security/encryption.server.ts: "v1.<key id>.<iv>.<ciphertext+tag>". */
export const encrypted = (name: string) => text(name);
