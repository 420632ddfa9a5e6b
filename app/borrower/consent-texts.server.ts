import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Tx } from "~/db/client";
import { consentTextVersions } from "~/db/schema/index";
import { consentTextHash, consentTexts, type ConsentKind } from "./consent-texts";

/**
 * The consent texts table (immutable, migration 0014) holds every version a consent can name.
 * Migration 0014 seeded today's texts; a new version in consent-texts.ts is stored here, verbatim
 * with its SHA-256, the first time a consent to it is recorded — in that consent's transaction.
 * A text edited without a new version keeps its old row (ON CONFLICT DO NOTHING), so the insert
 * trigger on consents then refuses the mismatched hash instead of recording a text nobody stored.
 */
export async function ensureConsentTexts(tx: Tx, kinds: readonly ConsentKind[]) {
  const hashes: Record<string, string> = {};
  for (const kind of kinds) {
    const text = consentTexts[kind];
    const sha256 = await consentTextHash(kind);
    hashes[kind] = sha256;
    await tx
      .insert(consentTextVersions)
      .values({ version: text.version, kind, title: text.title, text: text.text, sha256 })
      .onConflictDoNothing({ target: consentTextVersions.version });
  }
  return hashes as Record<ConsentKind, string>;
}

/** The stored text of a version (for FlowOps and tests). */
export async function storedConsentText(tx: Pick<Tx, "all">, version: string) {
  const rows = await tx.all<{ version: string; text: string; sha256: string }>(
    sql`SELECT version, text, sha256 FROM consent_texts WHERE version = ${version}`,
  );
  return rows[0] ?? null;
}

/**
 * What a CRM attests with `send_sms: true` (docs/product/lending.md "More on consent"): the version and SHA-256
 * of the attestation text (stored in consent_texts). Computed once: the intake records it in its
 * audit step (actor: the API key id; time: the audit row's), on the hot path, adding no statement.
 */
export const merchantSmsAttestation = {
  text_version: consentTexts.merchant_sms_attestation.version,
  text_sha256: createHash("sha256")
    .update(consentTexts.merchant_sms_attestation.text, "utf8")
    .digest("hex"),
} as const;
