import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { toWireDate } from "./parse";
import { sandboxReport } from "./sandbox";
import { BureauError, type CreditReport, type Tradeline } from "./types";
import type { ExperianCredentials } from "./token";
import {
  creditReportPath,
  tokenPath,
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
  /** How many OAuth tokens the fake has issued. */
  tokensIssued(): number;
  /** Every issued token stops working (as after a revocation): the next call gets a 401. */
  revokeTokens(): void;
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

// Experian's tradeline has no creditLimit: the limit is an amount qualified "L" (wire.ts).
function wireTradeline(line: Tradeline) {
  return {
    accountType: line.accountType,
    openOrClosed: line.open ? "O" : "C",
    revolvingOrInstallment: line.kind === "revolving" ? "R" : line.kind === "other" ? "C" : "I",
    balanceAmount: dollars(line.balanceCents),
    amountPastDue: dollars(line.pastDueCents),
    monthlyPaymentAmount: dollars(line.monthlyPaymentCents),
    ...(line.creditLimitCents === null
      ? {}
      : {
          amount1: dollars(line.creditLimitCents),
          amount1Qualifier: "L",
          amount2: dollars(line.balanceCents),
          amount2Qualifier: "H",
        }),
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
        headerRecord: [
          {
            reportDate: toWireDate(report.reportDate).replace(/^(\d{4})\d\d(\d\d)$/, "$1$2"),
            y2kReportedDate: toWireDate(report.reportDate),
          },
        ],
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
        // As Experian reports them: a status code and the court, no record-type field; a
        // bankruptcy carries a bankruptcy status code and bankruptcyAssetAmount (wire.ts).
        publicRecord: report.publicRecords.map((record) => ({
          courtCode: "3000000",
          ...(record.courtName ? { courtName: record.courtName } : {}),
          ecoa: "1",
          evaluation: "N",
          ...(record.filedOn ? { filingDate: toWireDate(record.filedOn) } : {}),
          ...(record.amountCents === null ? {} : { amount: dollars(record.amountCents) }),
          status: record.type === "bankruptcy" ? "13" : "33",
          ...(record.filedOn ? { statusDate: toWireDate(record.filedOn) } : {}),
          ...(record.type === "bankruptcy" ? { bankruptcyAssetAmount: dollars(0) } : {}),
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

/**
 * The fake checks what Experian documents (docs/partners/experian.md): a Bearer token it
 * issued itself from /oauth2/v1/token and that has not expired (401 otherwise — the real API's
 * answer to a lapsed token), `companyId` and `clientReferenceId` headers, and the documented
 * request shape: `permissiblePurpose` is `{ type: "<two digits>" }` only, `dob.dob` is a year
 * (YYYY) or MMDDYYYY.
 */
export async function startFakeExperian(options: {
  credentials: ExperianCredentials;
  companyId: string;
  /** expires_in of the tokens it issues, in seconds (default 1800). */
  tokenLifetimeSeconds?: number;
  now?: () => Date;
}): Promise<FakeExperian> {
  const now = options.now ?? (() => new Date());
  const overrides: Override[] = [];
  const requests: RecordedRequest[] = [];
  const issued = new Map<string, number>();
  let tokenCount = 0;
  const lifetime = options.tokenLifetimeSeconds ?? 1800;

  function issueToken(req: IncomingMessage, raw: string, res: ServerResponse) {
    const header = (name: string) => {
      const value = req.headers[name.toLowerCase()];
      return Array.isArray(value) ? value[0] : value;
    };
    let body: { username?: unknown; password?: unknown } = {};
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      return send(res, 400, { error: "invalid_request", error_description: "JSON body expected" });
    }
    const { clientId, clientSecret, username, password } = options.credentials;
    if (
      header("grant_type") !== "password" ||
      !sameSecret(header("client_id") ?? "", clientId) ||
      !sameSecret(header("client_secret") ?? "", clientSecret) ||
      typeof body.username !== "string" ||
      typeof body.password !== "string" ||
      !sameSecret(body.username, username) ||
      !sameSecret(body.password, password)
    ) {
      return send(res, 401, { error: "invalid_client", error_description: "Bad credentials" });
    }
    tokenCount += 1;
    const token = `fake-experian-token-${tokenCount}-${Math.random().toString(36).slice(2)}`;
    const issuedAt = now().getTime();
    issued.set(token, issuedAt + lifetime * 1000);
    return send(res, 200, {
      issued_at: String(issuedAt),
      expires_in: String(lifetime),
      token_type: "Bearer",
      access_token: token,
      refresh_token: `refresh-${tokenCount}`,
    });
  }

  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      if (req.method === "POST" && req.url === tokenPath) return issueToken(req, raw, res);
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
      const expiresAt = auth.startsWith("Bearer ") ? issued.get(auth.slice(7)) : undefined;
      if (expiresAt === undefined || now().getTime() >= expiresAt) {
        return send(res, 401, errorBody("401", "Invalid or expired access token"));
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
        !/^\d{2}$/.test(String(body.permissiblePurpose?.type)) ||
        Object.keys(body.permissiblePurpose ?? {}).length !== 1 ||
        (applicant.dob !== undefined && !/^(\d{4}|\d{8})$/.test(String(applicant.dob?.dob)))
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
    tokensIssued: () => tokenCount,
    revokeTokens: () => issued.clear(),
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
