/**
 * bench:scale's throughput measurements (issue 19, ADR 086): the CRM status route against the
 * same server's empty resource route, the intake (POST offer-financing) whose rate is compared with
 * the same build's on an empty database, and the text throughput a burst of applications meets.
 * Routes are measured in turns (autocannon, 10 connections), medians of the rounds.
 */
import autocannon from "autocannon";
import Sqlite from "libsql";
import { drainSeconds, smsRateLimit, type SmsSenderType } from "~/jobs/throughput";

export type Throughput = { rps: number; p50: number; p99: number; non2xx: number; errors: number };

const median = (values: number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const round2 = (value: number) => Math.round(value * 100) / 100;

async function drive(options: autocannon.Options): Promise<Throughput> {
  const result = await autocannon({ connections: 10, ...options });
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/** Medians of `rounds` turns of each named request, the first one the reference. */
export async function inTurns(
  requests: Record<string, autocannon.Options>,
  options: { seconds: number; rounds: number },
) {
  for (const request of Object.values(requests)) await drive({ ...request, duration: 1 }); // warm
  const runs: Record<string, Throughput[]> = {};
  for (let round = 0; round < options.rounds; round++) {
    for (const [name, request] of Object.entries(requests)) {
      (runs[name] ??= []).push(await drive({ ...request, duration: options.seconds }));
    }
  }
  return Object.fromEntries(
    Object.entries(runs).map(([name, results]) => [
      name,
      {
        rps: Math.round(median(results.map((r) => r.rps))),
        p50: median(results.map((r) => r.p50)),
        p99: median(results.map((r) => r.p99)),
        non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
        errors: results.reduce((sum, r) => sum + r.errors, 0),
      },
    ]),
  ) as Record<string, Throughput>;
}

/** The CRM's offer-financing call, a new job each time (`run`, digits, keeps runs apart on a reused file). */
export function intakeRequest(url: string, apiKey: string, run: string): autocannon.Options {
  let counter = 0;
  return {
    url: `${url}/api/v1/crm/offer-financing`,
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({
            crm: "fieldroutes",
            // FieldRoutes ids are numbers (ADR 080): 500 customers, a new job each request.
            crm_customer_id: String(900_000_000 + (counter % 500)),
            customer: { first_name: "Bench", last_name: "Customer", phone: "+15125550123" },
            job: {
              crm_job_id: `${run}${String(counter++).padStart(7, "0")}`,
              estimate_cents: 750_000,
            },
            send_sms: true,
          }),
        }),
      },
    ],
  };
}

export const getRequest = (url: string, headers: Record<string, string> = {}) => ({ url, headers });

/**
 * Texts a server's job runner sends per second when nothing but the runner limits it: the
 * send-sms jobs the intake left pending, counted in the file (read-only) while the server (started
 * with the SMS rate lifted) drains them, until none is left or `seconds` passed.
 */
export async function measuredTextRate(file: string, seconds: number) {
  const db = new Sqlite(file, { readonly: true });
  const pending = () =>
    Number(
      (
        db
          .prepare(
            "SELECT count(*) AS n FROM outbox WHERE state IN ('pending', 'running') AND kind = 'send-sms'",
          )
          .get() as { n: number }
      ).n,
    );
  try {
    // Until the backlog is gone (then the rate is its size over the time it took), or `seconds`.
    const before = pending();
    const started = performance.now();
    let after = before;
    while (after > 0 && performance.now() - started < seconds * 1000) {
      await new Promise((done) => setTimeout(done, 50));
      after = pending();
    }
    const elapsed = (performance.now() - started) / 1000;
    return {
      pendingBefore: before,
      pendingAfter: after,
      seconds: round2(elapsed),
      perSecond: round2((before - after) / elapsed),
    };
  } finally {
    db.close();
  }
}

/**
 * How long a burst of `burst` applications waits to be texted: the configured sender type's rate
 * limit (jobs/throughput.ts) against the measured job throughput — the slower of the two — plus
 * the intake time of the burst itself at the measured intake rate. Computed, not waited for.
 */
export function burstEstimate(options: {
  burst: number;
  senderType: SmsSenderType;
  senders: number;
  perSecondOverride?: number;
  textsPerSecondMeasured: number;
  intakePerSecond: number;
}) {
  const limit = smsRateLimit({
    senderType: options.senderType,
    senders: options.senders,
    perSecondOverride: options.perSecondOverride,
  });
  const limitSeconds = drainSeconds(options.burst, limit);
  const runnerSeconds =
    options.textsPerSecondMeasured > 0 ? options.burst / options.textsPerSecondMeasured : Infinity;
  const intakeSeconds = options.burst / options.intakePerSecond;
  const textSeconds = Math.max(limitSeconds, runnerSeconds);
  return {
    burst: options.burst,
    senderType: options.senderType,
    textsPerMinuteAllowed: limit.max,
    textsPerSecondMeasured: options.textsPerSecondMeasured,
    seconds: Math.round(Math.max(textSeconds, intakeSeconds)),
    boundBy:
      intakeSeconds > textSeconds
        ? "intake rate"
        : limitSeconds >= runnerSeconds
          ? "sender rate limit"
          : "job runner throughput",
    method:
      "computed: the sender type's rate limit (jobs/throughput.ts drainSeconds) vs the burst ÷ the send-sms jobs drained per second, measured with the limit lifted",
  };
}

export { round2 };
