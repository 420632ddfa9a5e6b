import type { RateLimit } from "./rate-limit";

/**
 * How fast texts and CRM write-backs may go, from what the configured provider allows.
 *
 * Twilio releases SMS from a per-sender queue at a fixed rate of message *segments* a second
 * (docs/partners/twilio.md, "Throughput"): a US long code 1, a toll-free number 3, a short code
 * 30; a Messaging Service sends from its pool, so its rate is the sum of its senders'. Sending
 * faster than that only fills Twilio's queue (up to 10 h deep) and makes delivery reports lag;
 * sending slower leaves a burst of applications waiting on our side for hours. Our texts are one
 * segment (under 160 GSM-7 characters), so segments = messages.
 */
export const smsSenderTypes = [
  "long_code",
  "toll_free",
  "short_code",
  "messaging_service",
] as const;
export type SmsSenderType = (typeof smsSenderTypes)[number];

/** Segments a second one sender of each type is released at (Twilio's defaults). */
export const segmentsPerSecondBySender: Record<SmsSenderType, number> = {
  long_code: 1,
  toll_free: 3,
  short_code: 30,
  // A pool's rate is its senders' sum; with long codes in the pool, 1 each.
  messaging_service: 1,
};

export type SmsThroughput = {
  senderType: SmsSenderType;
  /** Senders in a Messaging Service pool (others: 1). */
  senders: number;
  /** An explicit rate (e.g. a High-Throughput toll-free number or an A2P 10DLC campaign's). */
  perSecondOverride?: number;
};

/** The send-sms job's limit, shared by all processes, as texts a minute. */
export function smsRateLimit(throughput: SmsThroughput): RateLimit {
  const perSecond =
    throughput.perSecondOverride ??
    segmentsPerSecondBySender[throughput.senderType] *
      (throughput.senderType === "messaging_service" ? throughput.senders : 1);
  return { max: Math.max(1, Math.floor(perSecond * 60)), perMs: 60_000 };
}

/** The sync-to-crm job's limit: FieldRoutes offices have small daily and per-minute quotas. */
export function crmSyncRateLimit(perMinute: number): RateLimit {
  return { max: Math.max(1, Math.floor(perMinute)), perMs: 60_000 };
}

/** How long a burst of `jobs` takes to drain at `limit` (whole windows), in seconds. */
export function drainSeconds(jobs: number, limit: RateLimit): number {
  if (jobs <= 0) return 0;
  return (Math.ceil(jobs / limit.max) * limit.perMs) / 1000 - limit.perMs / 1000;
}
