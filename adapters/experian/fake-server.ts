import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { toWireDate } from "./parse";
import { sandboxReport } from "./sandbox";
import { BureauError, type CreditReport, type Tradeline } from "./types";
import {
  creditReportPath,
  type WireCreditReportRequest,
  type WireCreditReportResponse,
} from "./wire";

/**
 * A local stand-in for Experian's credit-report endpoint (tests only): listens on
 * 127.0.0.1, checks the Bearer token and headers the way the real API does, answers in the
 * wire format (every value a string) with the sandbox's deterministic profiles, and can be
 * told to fail, hang or answer something else for the next N requests.
 */
export type RecordedRequest = {
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  body: WireCreditReportRequest | null;
};

export type FakeExperian = {
  url: string;
  requests: RecordedRequest[];
  /** The next `count` requests answer `status` (with `body`, default a JSON error). */
  failNext(count: number, status: number, body?: string): void;
  /** The next `count` requests never answer (the client's timeout decides). */
  hangNext(count: number): void;
  /** The next `count` requests answer 200 with this body (e.g. a malformed report). */
  respondNextWith(count: number, body: unknown): void;
  close(): Promise<void>;
};

type Override =
  | { kind: "fail"; status: number; body?: string }
  | { kind: "hang" }
  | { kind: "body"; body: unknown };

const dollars = (cents: number) => {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  const whole = String(Math.floor(abs / 100)).padStart(8, "0");
  return abs % 100 === 0
    ? `${sign}${whole}`
    : `${sign}${whole}.${String(abs % 100).padStart(2, "0")}`;
};
const count = (n: number) => String(n).padStart(2, "0");

function wireTradeline(line: Tradeline) {
  return {
    accountType: line.accountType,
    openOrClosed: line.open ? "O" : "C",
    revolvingOrInstallment: line.kind === "revolving" ? "R" : line.kind === "other" ? "C" : "I",
    balanceAmount: dollars(line.balanceCents),
    amountPastDue: dollars(line.pastDueCents),
    monthlyPaymentAmount: dollars(line.monthlyPaymentCents),
    ...(line.creditLimitCents === null ? {} : { creditLimit: dollars(line.creditLimitCents) }),
    delinquencies30Days: count(line.delinquencies30),
    delinquencies60Days: count(line.delinquencies60),
    delinquencies90to180Days: count(line.delinquencies90),
    ...(line.openedOn ? { openDate: toWireDate(line.openedOn) } : {}),
  } as const;
}

/** A typed report in Experian's wire shape (the inverse of parse.ts). */
export function toWireResponse(report: CreditReport): WireCreditReportResponse {
  const modelIndicator = report.scoreModel === null ? null : "V4";
  return {
    creditProfile: [
      {
        headerRecord: [{ reportDate: toWireDate(report.reportDate) }],
        riskModel:
          modelIndicator === null
            ? []
            : [
                {
                  modelIndicator,
                  score: report.score === null ? "9001" : String(report.score).padStart(4, "0"),
                  scoreFactors: report.scoreFactors.map((factor) => ({
                    importance: String(factor.rank),
                    code: factor.code,
                  })),
                },
              ],
        tradeline: report.tradelines.map(wireTradeline),
        publicRecord: report.publicRecords.map((record) => ({
          ...(record.courtName ? { courtName: record.courtName } : {}),
          ...(record.filedOn ? { filingDate: toWireDate(record.filedOn) } : {}),
          ...(record.amountCents === null ? {} : { amount: dollars(record.amountCents) }),
          ...(record.status ? { status: record.status } : {}),
          bankruptcy: record.type === "bankruptcy" ? "Y" : "N",
          ...(record.type === "bankruptcy" ? {} : { recordType: record.type.toUpperCase() }),
        })),
        inquiry: report.inquiries.map((inquiry) => ({
          date: toWireDate(inquiry.date),
          ...(inquiry.subscriberName ? { subscriberName: inquiry.subscriberName } : {}),
        })),
      },
    ],
  };
}

function sameSecret(given: string, expected: string) {
  // Compare HMACs, so neither the length nor the content leaks through timing.
  const key = "fake-experian";
  const a = createHmac("sha256", key).update(given).digest();
  const b = createHmac("sha256", key).update(expected).digest();
  return timingSafeEqual(a, b);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(text);
}

const errorBody = (code: string, message: string) => ({
  errors: [{ errorCode: code, errorType: code, message }],
});

export async function startFakeExperian(options: {
  token: string;
  companyId: string;
  now?: () => Date;
}): Promise<FakeExperian> {
  const now = options.now ?? (() => new Date());
  const overrides: Override[] = [];
  const requests: RecordedRequest[] = [];

  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      let body: WireCreditReportRequest | null = null;
      try {
        body = raw ? (JSON.parse(raw) as WireCreditReportRequest) : null;
      } catch {
        body = null;
      }
      const header = (name: string) => {
        const value = req.headers[name.toLowerCase()];
        return Array.isArray(value) ? value[0] : value;
      };
      requests.push({
        method: req.method ?? "",
        path: req.url ?? "",
        headers: {
          authorization: header("authorization"),
          companyId: header("companyId"),
          clientReferenceId: header("clientReferenceId"),
          contentType: header("content-type"),
        },
        body,
      });

      if (req.method !== "POST" || req.url !== creditReportPath) {
        return send(res, 404, errorBody("404", "Not found"));
      }
      const auth = header("authorization") ?? "";
      if (!auth.startsWith("Bearer ") || !sameSecret(auth.slice(7), options.token)) {
        return send(res, 401, errorBody("401", "Invalid or missing access token"));
      }
      if (header("companyId") !== options.companyId) {
        return send(res, 403, errorBody("403", "Unknown companyId"));
      }
      if (!header("clientReferenceId")) {
        return send(res, 400, errorBody("400", "clientReferenceId header is required"));
      }
      if (!header("content-type")?.startsWith("application/json")) {
        return send(res, 415, errorBody("415", "Content-Type must be application/json"));
      }
      const override = overrides.shift();
      if (override?.kind === "hang") return; // never answer; close() ends the socket
      if (override?.kind === "fail") {
        return send(
          res,
          override.status,
          override.body ?? errorBody(String(override.status), "Simulated failure"),
        );
      }
      if (override?.kind === "body") return send(res, 200, override.body);

      const applicant = body?.consumerPii?.primaryApplicant;
      const ssn = applicant?.ssn?.ssn;
      if (
        !applicant?.name?.firstName ||
        !applicant.name.lastName ||
        typeof ssn !== "string" ||
        !/^\d{9}$/.test(ssn) ||
        !body?.requestor?.subscriberCode ||
        !body.permissiblePurpose?.type
      ) {
        return send(
          res,
          400,
          errorBody("400", "consumerPii, requestor and permissiblePurpose are required"),
        );
      }
      try {
        const report = sandboxReport(
          {
            clientReferenceId: header("clientReferenceId")!,
            firstName: applicant.name.firstName,
            lastName: applicant.name.lastName,
            ssn,
          },
          now(),
        );
        return send(res, 200, toWireResponse(report));
      } catch (error) {
        if (error instanceof BureauError && error.kind === "timeout") return; // hang
        const status = error instanceof BureauError ? (error.details.status ?? 500) : 500;
        return send(res, status, errorBody(String(status), "Simulated bureau failure"));
      }
    })();
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const push = (n: number, override: Override) => {
    for (let i = 0; i < n; i++) overrides.push(override);
  };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext: (n, status, body) => push(n, { kind: "fail", status, body }),
    hangNext: (n) => push(n, { kind: "hang" }),
    respondNextWith: (n, body) => push(n, { kind: "body", body }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
