import { isIPv4, isIPv6 } from "node:net";

/**
 * Which IP addresses a webhook may never reach (ADR 063): anything that is not the public
 * Internet — private, loopback, link-local (cloud metadata at 169.254.169.254 and
 * fd00:ec2::254), shared/CGNAT, unique-local, multicast, reserved and documentation ranges —
 * including IPv4 hidden inside IPv6 (mapped ::ffff:a.b.c.d, compatible ::a.b.c.d, NAT64
 * 64:ff9b::/96, 6to4 2002::/16). Teredo (2001::/32) is refused outright: its client address is
 * obfuscated. Pure: the address comes from DNS resolution or the URL, already in canonical form
 * (WHATWG URL turns "2130706433", "0x7f.1" and "0177.0.0.1" into 127.0.0.1).
 */

type Range = [base: number, bits: number, name: string];

const ipv4Ranges: Range[] = [
  [ipv4Int("0.0.0.0"), 8, "this network"],
  [ipv4Int("10.0.0.0"), 8, "private"],
  [ipv4Int("100.64.0.0"), 10, "shared (CGNAT)"],
  [ipv4Int("127.0.0.0"), 8, "loopback"],
  [ipv4Int("169.254.0.0"), 16, "link-local"],
  [ipv4Int("172.16.0.0"), 12, "private"],
  [ipv4Int("192.0.0.0"), 24, "IETF protocol assignments"],
  [ipv4Int("192.0.2.0"), 24, "documentation"],
  [ipv4Int("192.88.99.0"), 24, "6to4 relay"],
  [ipv4Int("192.168.0.0"), 16, "private"],
  [ipv4Int("198.18.0.0"), 15, "benchmarking"],
  [ipv4Int("198.51.100.0"), 24, "documentation"],
  [ipv4Int("203.0.113.0"), 24, "documentation"],
  [ipv4Int("224.0.0.0"), 4, "multicast"],
  [ipv4Int("240.0.0.0"), 4, "reserved"],
];

function ipv4Int(address: string): number {
  return address.split(".").reduce((n, part) => n * 256 + Number(part), 0);
}

function inRange(value: number, [base, bits]: Range) {
  const size = 2 ** (32 - bits);
  return value >= base && value < base + size;
}

function ipv4Reason(address: string): string | null {
  const value = ipv4Int(address);
  return ipv4Ranges.find((range) => inRange(value, range))?.[2] ?? null;
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted IPv4 part expanded). */
export function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  const dotted = text.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) {
    const v4 = ipv4Int(dotted[1]!);
    text = `${text.slice(0, -dotted[1]!.length)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const parse = (part: string | undefined) =>
    part ? part.split(":").map((group) => parseInt(group, 16)) : [];
  const left = parse(head);
  const right = parse(tail);
  const fill = tail === undefined ? [] : Array(8 - left.length - right.length).fill(0);
  return [...left, ...fill, ...right];
}

const groupsToIpv4 = (high: number, low: number) =>
  [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");

function ipv6Reason(address: string): string | null {
  const g = ipv6Groups(address);
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 8)) return "unspecified";
  if (zeros(0, 7) && g[7] === 1) return "loopback";
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible): judged as the IPv4 address inside.
  if (zeros(0, 5) && (g[5] === 0xffff || g[5] === 0)) {
    return embedded(groupsToIpv4(g[6]!, g[7]!), "IPv4-mapped");
  }
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) {
    return embedded(groupsToIpv4(g[6]!, g[7]!), "NAT64");
  }
  if (g[0] === 0x2002) return embedded(groupsToIpv4(g[1]!, g[2]!), "6to4");
  if (g[0] === 0x2001 && g[1] === 0) return "Teredo";
  if (g[0] === 0x2001 && g[1] === 0xdb8) return "documentation";
  if (g[0] === 0x100 && zeros(1, 4)) return "discard";
  const first = g[0]!;
  if ((first & 0xfe00) === 0xfc00) return "unique-local";
  if ((first & 0xffc0) === 0xfe80) return "link-local";
  if ((first & 0xffc0) === 0xfec0) return "site-local";
  if ((first & 0xff00) === 0xff00) return "multicast";
  return null;
}

function embedded(ipv4: string, how: string) {
  const reason = ipv4Reason(ipv4);
  return reason ? `${how} ${reason}` : null;
}

/**
 * Why `address` may not be reached by a webhook, or null when it is a public address. Anything
 * that is not an IP address at all is refused too.
 */
export function forbiddenAddressReason(address: string): string | null {
  const bare = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  if (isIPv4(bare)) return ipv4Reason(bare);
  if (isIPv6(bare)) return ipv6Reason(bare);
  return "not an IP address";
}

/** Loopback only (127.0.0.0/8, ::1, ::ffff:127.x): what a development receiver may use. */
export function isLoopbackAddress(address: string): boolean {
  const reason = forbiddenAddressReason(address);
  return reason === "loopback" || reason === "IPv4-mapped loopback";
}
