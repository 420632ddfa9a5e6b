import { desc } from "drizzle-orm";
import type { Database } from "~/db/client";
import { messages } from "~/db/schema/index";
import { emailContent } from "./email.server";
import { messageBody } from "./sms.server";

/**
 * The newest texts and e-mails of this database, decrypted, for the development page
 * /dev/messages (its route checks who may see them: the bodies hold borrowers' link tokens).
 */
export async function recentMessages(database: Database, limit = 50) {
  const rows = await database.db
    .select()
    .from(messages)
    .orderBy(desc(messages.createdAt))
    .limit(limit);
  return rows.map((m) => ({
    id: m.id,
    channel: m.channel,
    to: m.recipient,
    template: m.template,
    status: m.status,
    // An e-mail is stored as its subject and text (JSON): shown as text, its links clickable.
    body: m.channel === "email" ? emailBody(m.bodyEnc) : messageBody(m.bodyEnc),
    at: m.createdAt.toISOString(),
  }));
}

function emailBody(bodyEnc: string) {
  const { subject, text } = emailContent(bodyEnc);
  return `${subject}\n\n${text}`;
}
