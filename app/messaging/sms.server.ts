import { and, eq } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import type { Step } from "~/db/native-writer.mjs";
import { insertSql, runSteps, type AnyTx } from "~/db/sql-tx";
import { newId } from "~/db/ids";
import { messages, smsOptOuts } from "~/db/schema/index";
import type { SmsAdapter } from "~/adapters/twilio/types";
import { enqueueSteps } from "~/jobs/enqueue.server";
import { nudgeRunner } from "~/jobs/nudge.server";
import { sendSmsJob } from "~/jobs/handlers/send-sms.definition";
import { getCipher } from "~/app/security/encryption.server";
import { renderSms, type SmsTemplate } from "./templates";

export const bodyContext = "messages.body";

/** The readable text of a stored message. */
export const messageBody = (stored: string) => getCipher().decrypt(stored, bodyContext);

type Reader = Database["db"] | Tx;

/**
 * Templates that go out even to an opted-out number: the one confirmation the law expects, and
 * the answer to HELP, which carriers require whatever the number's opt-out state (CTIA).
 */
const sentDespiteOptOut = new Set<SmsTemplate["template"]>([
  "opt_out_confirmation",
  "help",
  "help_opted_out",
]);

/**
 * Records a text and enqueues its delivery in the caller's transaction: the message exists
 * exactly when its cause committed, and the job delivers it at least once (never twice, see
 * deliverSms).
 */
export async function queueSms(tx: AnyTx, input: SmsInput, options: { optedOut?: boolean } = {}) {
  const { id, steps } = smsSteps(input, options);
  await runSteps(tx, steps);
  nudgeRunner();
  return id;
}

type SmsInput = {
  to: string;
  applicationId?: string | null;
  merchantId?: string | null;
} & SmsTemplate;

/**
 * Whether a number opted out, as a write-program step (ADR 019) named `name`: its row's
 * `opted_out` is 1 or 0, read inside the program's transaction, so what the intake answers and
 * the message it stores agree with the opt-out list at commit.
 */
export function optOutCheckStep(phone: string, name: string): Step {
  return {
    sql: "SELECT EXISTS (SELECT 1 FROM sms_opt_outs WHERE phone = ?) AS opted_out",
    args: [phone],
    returns: true,
    name,
  };
}

/**
 * The same as write-program steps (ADR 019): the message row and its delivery job. With
 * `optedOut` (a boolean, or the name of an optOutCheckStep earlier in the program) a text to an
 * opted-out number is stored `suppressed` at once — the status resource says so from the start —
 * and its job finds nothing to send.
 */
export function smsSteps(
  input: SmsInput,
  options: { optedOut?: boolean | { step: string } } = {},
): { id: string; steps: Step[] } {
  const now = Date.now();
  const id = newId("msg", now);
  const optedOut = options.optedOut;
  const byStep = typeof optedOut === "object";
  const message: Step = {
    sql: byStep ? insertMessageCheckingOptOut : insertMessage,
    args: [
      id,
      input.applicationId ?? null,
      input.merchantId ?? null,
      "sms",
      input.to,
      input.template,
      // Encrypted at rest: the text carries the borrower's link token, never stored in clear.
      getCipher().encrypt(renderSms(input), bodyContext),
      byStep ? { ref: `${optedOut.step}.opted_out` as const } : optedOut ? "suppressed" : "queued",
      now,
      now,
    ],
  };
  return { id, steps: [message, ...enqueueSteps(sendSmsJob, { messageId: id })] };
}

const messageColumns = [
  "id",
  "application_id",
  "merchant_id",
  "channel",
  "recipient",
  "template",
  "body_enc",
  "status",
  "created_at",
  "updated_at",
];
const insertMessage = insertSql("messages", messageColumns);
/** The same, its status argument the opted_out flag (1/0) of an optOutCheckStep. */
const insertMessageCheckingOptOut = `INSERT INTO messages (${messageColumns.join(", ")})
  VALUES (?, ?, ?, ?, ?, ?, ?, CASE WHEN ? THEN 'suppressed' ELSE 'queued' END, ?, ?)`;

export async function isOptedOut(reader: Reader, phone: string) {
  const row = await reader.select().from(smsOptOuts).where(eq(smsOptOuts.phone, phone)).get();
  return Boolean(row);
}

const finished = new Set(["sent", "delivered", "undelivered", "failed", "suppressed"]);

/**
 * The send-sms job. At-least-once execution, one text: a message already sent is skipped;
 * a message left "sending" by an attempt that died after Twilio accepted it is looked up at
 * Twilio (findSent) before any resend; opted-out numbers are suppressed, not texted.
 */
export async function deliverSms(
  database: Database,
  adapter: SmsAdapter,
  messageId: string,
  options: { idempotencyKey: string; signal: AbortSignal; statusCallbackUrl?: string },
) {
  const message = await database.db.select().from(messages).where(eq(messages.id, messageId)).get();
  if (!message || finished.has(message.status)) return { outcome: "skipped" as const };

  if (!sentDespiteOptOut.has(message.template as SmsTemplate["template"])) {
    if (await isOptedOut(database.db, message.recipient)) {
      await setStatus(database, messageId, { status: "suppressed" });
      return { outcome: "suppressed" as const };
    }
  }

  const body = messageBody(message.bodyEnc);
  if (message.status === "sending") {
    const since = new Date(message.updatedAt.getTime() - 60_000);
    const found = await adapter.findSent({
      to: message.recipient,
      body,
      since,
      signal: options.signal,
    });
    if (found) {
      await setStatus(database, messageId, {
        status: "sent",
        providerMessageId: found.providerMessageId,
      });
      return { outcome: "reconciled" as const };
    }
  } else {
    await setStatus(database, messageId, { status: "sending" });
  }

  try {
    const result = await adapter.send({
      to: message.recipient,
      body,
      idempotencyKey: options.idempotencyKey,
      statusCallbackUrl: options.statusCallbackUrl,
      signal: options.signal,
    });
    await setStatus(database, messageId, {
      status: "sent",
      providerMessageId: result.providerMessageId,
      provider: adapter.name,
    });
    return { outcome: "sent" as const, providerMessageId: result.providerMessageId };
  } catch (error) {
    if ((error as { permanent?: boolean }).permanent) {
      const code = (error as { code?: string | number }).code;
      await setStatus(database, messageId, {
        status: "failed",
        errorCode: code === undefined ? null : String(code),
      });
    }
    throw error;
  }
}

const statusColumns = {
  status: "status",
  providerMessageId: "provider_message_id",
  provider: "provider",
  errorCode: "error_code",
} as const;

/**
 * A write program (ADR 019), as drizzle's update would write it (the given fields, updated_at):
 * committed by the writer thread with what else is queued. As a drizzle transaction each status
 * of a text stopped the write queue's pipeline and ran its fsync on the server's thread (ADR 048).
 */
async function setStatus(
  database: Database,
  messageId: string,
  values: {
    status: (typeof messages.$inferSelect)["status"];
    providerMessageId?: string;
    provider?: string;
    errorCode?: string | null;
  },
) {
  const set = (Object.keys(statusColumns) as (keyof typeof statusColumns)[]).filter(
    (field) => values[field] !== undefined,
  );
  await database.writeProgram({
    steps: [
      {
        sql: `UPDATE messages SET ${set.map((field) => `${statusColumns[field]} = ?`).join(", ")}, updated_at = ? WHERE id = ?`,
        args: [...set.map((field) => values[field] ?? null), Date.now(), messageId],
      },
    ],
  });
}

const statusRank: Record<string, number> = {
  queued: 0,
  accepted: 0,
  sending: 1,
  sent: 2,
  delivered: 3,
  undelivered: 3,
  failed: 3,
};

/** Applies a Twilio delivery report; states only move forward (callbacks can arrive out of order). */
export async function applyDeliveryStatus(
  tx: Tx,
  providerMessageId: string,
  reported: string,
  errorCode: string | null,
) {
  const message = await tx
    .select()
    .from(messages)
    .where(and(eq(messages.providerMessageId, providerMessageId), eq(messages.channel, "sms")))
    .get();
  if (!message || !(reported in statusRank)) return false;
  if ((statusRank[reported] ?? 0) <= (statusRank[message.status] ?? 0)) return true;
  await tx
    .update(messages)
    .set({ status: reported as "sent", errorCode })
    .where(eq(messages.id, message.id));
  return true;
}
