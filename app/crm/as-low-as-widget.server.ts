import { createHash } from "node:crypto";
import type { AsLowAsOutcome } from "~/app/decisioning/as-low-as";
import { formatMoney } from "~/app/money/dollars";

/**
 * The public "as low as" widget a merchant embeds in its own web site (an iframe): static HTML,
 * no JavaScript, no cookies, cacheable by any CDN. It carries its own headers: it may be framed
 * by any site (`frame-ancestors *`), which nothing else of FlowPay may (app/security/headers).
 */
const style = [
  "body{margin:0;font:15px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1a1a1a;background:#fff}",
  ".w{padding:12px 14px;border:1px solid #d0d7de;border-radius:8px}",
  ".h{margin:0 0 6px;font-size:17px}",
  ".h strong{color:#0b5cad;font-size:20px}",
  ".d{margin:0;font-size:12px;color:#444}",
  ".b{margin:6px 0 0;font-size:12px;color:#555}",
].join("");

const styleHash = createHash("sha256").update(style).digest("base64");

/** Headers of every widget answer: framable anywhere, scripts nowhere, cached briefly. */
export function widgetHeaders(status: number): Record<string, string> {
  return {
    "Content-Type": "text/html; charset=utf-8",
    // A price follows the published pricing: five minutes at a CDN is fresh enough; errors less.
    "Cache-Control": status === 200 ? "public, max-age=300" : "public, max-age=60",
    "Content-Security-Policy": [
      "default-src 'none'",
      `style-src 'sha256-${styleHash}'`,
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors *",
    ].join("; "),
    "Cross-Origin-Resource-Policy": "cross-origin",
  };
}

function escapeHtml(text: string) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${style}</style></head><body><div class="w">${body}</div></body></html>`;
}

export function widgetHtml(merchantName: string, outcome: AsLowAsOutcome): string {
  const by = `<p class="b">Financing for ${escapeHtml(merchantName)} customers, provided through FlowPay.</p>`;
  if (!outcome.ok) {
    // No payment amount shown, so no triggering term: the range alone needs no disclosure.
    return page(
      "Financing available",
      `<p class="h">Financing available</p><p class="d">For purchases from ${formatMoney(outcome.minAmountCents)} to ${formatMoney(outcome.maxAmountCents)}. Subject to credit approval.</p>${by}`,
    );
  }
  const value = outcome.value;
  const monthly = formatMoney(value.monthlyPaymentCents);
  return page(
    `As low as ${monthly}/month`,
    `<p class="h">As low as <strong>${monthly}/mo</strong> for ${value.termMonths} months</p><p class="d">${escapeHtml(value.disclosure)}</p>${by}`,
  );
}

export function widgetMessageHtml(message: string): string {
  return page("Financing", `<p class="d">${escapeHtml(message)}</p>`);
}
