import { describe, expect, it } from "vitest";
import { forbiddenAddressReason, ipv6Groups } from "./addresses";
import {
  checkWebhookUrl,
  parseWebhookUrl,
  resolveWebhookUrl,
  type Resolver,
} from "./url-guard.server";

const production = { allowLoopbackHttp: false };
const development = { allowLoopbackHttp: true };
const resolvesTo =
  (...addresses: string[]): Resolver =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));

describe("the addresses a webhook may never reach (docs/product/merchants-and-money.md, Outbound webhooks)", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "link-local"],
    ["100.64.0.1", "shared (CGNAT)"],
    ["0.0.0.0", "this network"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "reserved"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["fc00::1", "unique-local"],
    ["fd00:ec2::254", "unique-local"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "IPv4-mapped loopback"],
    ["::ffff:7f00:1", "IPv4-mapped loopback"],
    ["::ffff:a9fe:a9fe", "IPv4-mapped link-local"],
    ["::ffff:10.0.0.1", "IPv4-mapped private"],
    ["::127.0.0.1", "IPv4-mapped loopback"],
    ["64:ff9b::a9fe:a9fe", "NAT64 link-local"],
    ["2002:7f00:1::", "6to4 loopback"],
    ["2001:0:4136:e378::1", "Teredo"],
    ["2001:db8::1", "documentation"],
  ])("refuses %s (%s)", (address, reason) => {
    expect(forbiddenAddressReason(address)).toBe(reason);
  });

  it.each(["93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])(
    "allows the public address %s",
    (address) => {
      expect(forbiddenAddressReason(address)).toBeNull();
    },
  );

  it("expands IPv6 forms to the same groups", () => {
    expect(ipv6Groups("::ffff:127.0.0.1")).toEqual(ipv6Groups("0:0:0:0:0:ffff:7f00:0001"));
  });
});

describe("the webhook URL guard", () => {
  it.each([
    "https://2130706433/hook", // decimal 127.0.0.1
    "https://0x7f.1/hook", // hex, short form
    "https://0177.0.0.1/hook", // octal
    "https://127.1/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://[::ffff:a9fe:a9fe]/latest/meta-data",
    "https://169.254.169.254/latest/meta-data",
    "https://[fd00:ec2::254]/",
    "https://[::1]:8443/",
  ])("refuses the literal address in %s", (url) => {
    expect(() => parseWebhookUrl(url, production)).toThrow(/not allowed/);
  });

  it("refuses http:// in production, and credentials in the URL", () => {
    expect(() => parseWebhookUrl("http://hooks.example.com/x", production)).toThrow(/https/);
    expect(() => parseWebhookUrl("https://u:p@hooks.example.com/x", production)).toThrow(/user/);
    expect(() => parseWebhookUrl("ftp://hooks.example.com/x", development)).toThrow(/https/);
  });

  it("refuses a host when any address it resolves to is not public (after DNS)", async () => {
    await expect(
      checkWebhookUrl("https://hooks.example.com/x", production, resolvesTo("10.0.0.7")),
    ).rejects.toThrow(/private/);
    await expect(
      checkWebhookUrl(
        "https://hooks.example.com/x",
        production,
        resolvesTo("93.184.216.34", "127.0.0.1"),
      ),
    ).rejects.toThrow(/loopback/);
    await expect(
      checkWebhookUrl("https://hooks.example.com/x", production, resolvesTo("93.184.216.34")),
    ).resolves.toBe("https://hooks.example.com/x");
  });

  it("lets a development receiver use http://127.0.0.1 when configured, and nothing else private", async () => {
    await expect(checkWebhookUrl("http://127.0.0.1:4001/hooks", development)).resolves.toBe(
      "http://127.0.0.1:4001/hooks",
    );
    await expect(checkWebhookUrl("http://127.0.0.1:4001/hooks", production)).rejects.toThrow();
    await expect(checkWebhookUrl("http://10.0.0.1/hooks", development)).rejects.toThrow(/private/);
    // http:// to a public host is never allowed, even in development.
    await expect(
      resolveWebhookUrl(
        new URL("http://hooks.example.com/"),
        development,
        resolvesTo("93.184.216.34"),
      ),
    ).rejects.toThrow(/https/);
  });
});
