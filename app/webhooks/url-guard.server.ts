import { lookup as dnsLookup } from "node:dns/promises";
import type { LookupFunction } from "node:net";
import { isIP } from "node:net";
import { getEnv, isProduction } from "~/app/config/env.server";
import { forbiddenAddressReason, isLoopbackAddress } from "./addresses";

/**
 * The SSRF guard of outbound webhooks (ADR 063). A URL is checked when the endpoint is created
 * and again at every delivery, where the check runs inside the connection's own DNS lookup: the
 * address connected to is the address checked, so a name that resolves to a public address at
 * creation and to 169.254.169.254 later (DNS rebinding) is refused at delivery.
 */
export type UrlPolicy = {
  /** http:// and loopback addresses allowed (a local receiver); never in production. */
  allowLoopbackHttp: boolean;
};

export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

export const systemResolver: Resolver = (hostname) =>
  dnsLookup(hostname, { all: true, verbatim: true });

export function webhookUrlPolicy(): UrlPolicy {
  return { allowLoopbackHttp: !isProduction() && getEnv().WEBHOOKS_ALLOW_LOOPBACK_HTTP };
}

/** A URL refused by the guard; the message says why (shown to the merchant, never secret). */
export class UnsafeUrlError extends Error {
  override name = "UnsafeUrlError";
}

const maxUrlLength = 2048;

/** The checks that need no DNS: scheme, credentials, length, an IP literal's range. */
export function parseWebhookUrl(raw: string, policy: UrlPolicy): URL {
  if (raw.length > maxUrlLength)
    throw new UnsafeUrlError(`must be at most ${maxUrlLength} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeUrlError("is not a valid URL");
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && policy.allowLoopbackHttp)) {
    throw new UnsafeUrlError("must be an https:// URL");
  }
  if (url.username || url.password) throw new UnsafeUrlError("must not contain a user or password");
  const literal = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(literal)) checkAddress(literal, url, policy);
  return url;
}

function checkAddress(address: string, url: URL, policy: UrlPolicy) {
  if (policy.allowLoopbackHttp && isLoopbackAddress(address)) return;
  const reason = forbiddenAddressReason(address);
  if (reason) throw new UnsafeUrlError(`resolves to a ${reason} address, which is not allowed`);
  // http:// is for a local receiver only: a public host always gets https.
  if (url.protocol !== "https:") throw new UnsafeUrlError("must be an https:// URL");
}

/** Every address the URL's host resolves to, each one allowed — or UnsafeUrlError. */
export async function resolveWebhookUrl(
  url: URL,
  policy: UrlPolicy,
  resolver: Resolver = systemResolver,
): Promise<{ address: string; family: number }[]> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const family = isIP(host);
  if (family) {
    checkAddress(host, url, policy);
    return [{ address: host, family }];
  }
  let addresses: { address: string; family: number }[];
  try {
    addresses = await resolver(host);
  } catch {
    throw new UnsafeUrlError(`host ${host} does not resolve`);
  }
  if (addresses.length === 0) throw new UnsafeUrlError(`host ${host} does not resolve`);
  // All of them: a connection may use any, and a mixed answer is a rebinding attempt.
  for (const { address } of addresses) checkAddress(address, url, policy);
  return addresses;
}

/** Creation time: parse and resolve. Returns the normalized URL string. */
export async function checkWebhookUrl(
  raw: string,
  policy: UrlPolicy = webhookUrlPolicy(),
  resolver: Resolver = systemResolver,
): Promise<string> {
  const url = parseWebhookUrl(raw, policy);
  await resolveWebhookUrl(url, policy, resolver);
  return url.toString();
}

/**
 * The `lookup` for the delivery's own connection: it resolves with the guard, so the socket
 * only ever connects to an address that passed it (node calls it with `all: true` when it
 * tries several addresses).
 */
export function guardedLookup(url: URL, policy: UrlPolicy, resolver: Resolver): LookupFunction {
  return (hostname, options, callback) => {
    resolveWebhookUrl(url, policy, resolver)
      .then((addresses) => {
        const wanted =
          options.family === 4 || options.family === 6
            ? addresses.filter((a) => a.family === options.family)
            : addresses;
        if (wanted.length === 0) {
          callback(new UnsafeUrlError(`host ${hostname} has no usable address`), "", 0);
        } else if (options.all) {
          (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(
            null,
            wanted,
          );
        } else {
          callback(null, wanted[0]!.address, wanted[0]!.family);
        }
      })
      .catch((error: Error) => callback(error as NodeJS.ErrnoException, "", 0));
  };
}
