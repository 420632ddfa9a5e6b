import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PartnerError } from "~/adapters/shared/errors";
import { mimeParts, startFakeSmtp, type FakeSmtp } from "./fake-smtp";
import { createEmailAdapter } from "./index";
import { domainOf, messageIdFor } from "./message-id";
import {
  SANDBOX_MAGIC_RECIPIENTS,
  clearSandboxEmails,
  createSandboxEmail,
  lastSandboxEmailTo,
  sandboxEmails,
} from "./sandbox";
import { createSmtpEmail } from "./smtp";
import { type EmailMessage } from "./types";

const FROM = "FlowPay <no-reply@mail.flowpay.test>";
const USER = "relay-user@flowpay.test";
const PASS = "p@ss:word/with%chars";

// Every byte value, so an encoding slip shows.
const PDF = new Uint8Array(Array.from({ length: 1500 }, (_, i) => (i * 7) % 256));

function message(overrides: Partial<EmailMessage> = {}): EmailMessage {
  return {
    to: "ada@example.com",
    subject: "Your FlowPay offer — ready",
    text: "Hello Ada,\n.\n..a line starting with a dot\nYour offer is attached.",
    html: "<p>Hello Ada,</p><p>Your offer is attached.</p>",
    attachments: [{ filename: "offer.pdf", contentType: "application/pdf", content: PDF }],
    idempotencyKey: "job_123:offer-email",
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<PartnerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PartnerError);
  expect((error as PartnerError).partner).toBe("smtp");
  return error as PartnerError;
}

describe("Message-ID", () => {
  it("is derived from the idempotency key and the sender's domain only", () => {
    const id = messageIdFor("job_123:offer-email", FROM);
    expect(id).toMatch(/^<fp\.[0-9a-f]{32}@mail\.flowpay\.test>$/);
    expect(messageIdFor("job_123:offer-email", "no-reply@mail.flowpay.test")).toBe(id);
    expect(messageIdFor("job_124:offer-email", FROM)).not.toBe(id);
    expect(id).not.toContain("job_123");
    expect(messageIdFor("k", "not an address")).toMatch(/@flowpay\.invalid>$/);
    expect(domainOf("FlowPay <no-reply@Mail.FlowPay.test>")).toBe("mail.flowpay.test");
  });
});

describe("SMTP adapter against a local fake SMTP server", () => {
  let server: FakeSmtp;

  beforeAll(async () => {
    server = await startFakeSmtp({ auth: { user: USER, pass: PASS } });
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.messages.length = 0;
    server.commands.length = 0;
  });

  it("authenticates, sends text + html + the attachment (base64), with the derived Message-ID", async () => {
    const email = createSmtpEmail({ url: server.url, from: FROM });
    const result = await email.send(message());
    expect(result.providerMessageId).toBe(messageIdFor("job_123:offer-email", FROM));

    expect(server.messages).toHaveLength(1);
    const received = server.messages[0]!;
    expect(received.authUser).toBe(USER);
    expect(received.from).toBe("no-reply@mail.flowpay.test");
    expect(received.to).toEqual(["ada@example.com"]);
    expect(server.commands.some((c) => c.startsWith("AUTH "))).toBe(true);
    expect(server.commands.join("\n")).not.toContain(Buffer.from(PASS).toString("base64"));

    const { headers, leaves } = mimeParts(received.data);
    expect(headers["message-id"]).toBe(result.providerMessageId);
    expect(headers.to).toBe("ada@example.com");
    expect(headers.from).toContain("no-reply@mail.flowpay.test");
    expect(headers.subject).toMatch(/^=\?UTF-8\?/); // the dash is not ASCII: encoded word

    const text = leaves.find((p) => p.headers["content-type"]?.startsWith("text/plain"));
    const html = leaves.find((p) => p.headers["content-type"]?.startsWith("text/html"));
    expect(text?.body).toContain("..a line starting with a dot"); // dot-stuffing undone
    expect(html?.body).toContain("Your offer is attached.");

    const pdf = leaves.find((p) => p.headers["content-type"]?.startsWith("application/pdf"));
    expect(pdf).toBeDefined();
    expect(pdf!.headers["content-transfer-encoding"]).toBe("base64");
    expect(pdf!.headers["content-disposition"]).toMatch(/^attachment; filename="?offer\.pdf"?/);
    const bytes = Buffer.from(pdf!.body.replace(/\s+/g, ""), "base64");
    expect(new Uint8Array(bytes)).toEqual(PDF);
  });

  it("a retried send carries the same Message-ID (SMTP itself sends it twice)", async () => {
    const email = createSmtpEmail({ url: server.url, from: FROM });
    const first = await email.send(message({ attachments: [] }));
    const second = await email.send(message({ attachments: [] }));
    expect(second.providerMessageId).toBe(first.providerMessageId);
    const ids = server.messages.map((m) => mimeParts(m.data).headers["message-id"]);
    expect(ids).toEqual([first.providerMessageId, first.providerMessageId]);
  });

  it("a 550 on RCPT TO is permanent", async () => {
    server.rejectRecipient("nobody@example.com", "550 5.1.1 <nobody@example.com>: User unknown");
    const error = await rejection(
      createSmtpEmail({ url: server.url, from: FROM }).send(message({ to: "nobody@example.com" })),
    );
    expect(error.permanent).toBe(true);
    expect(error.status).toBe(550);
    expect(error.code).toBe("EENVELOPE");
    expect(error.message).toContain("User unknown");
    expect(server.messages).toHaveLength(0);
  });

  it("a 4xx (greylisting at RCPT, a full queue at DATA) is transient", async () => {
    const email = createSmtpEmail({ url: server.url, from: FROM });
    server.failNext("RCPT", "451 4.7.1 Greylisted, try again later");
    const greylisted = await rejection(email.send(message()));
    expect(greylisted.permanent).toBe(false);
    expect(greylisted.status).toBe(451);

    server.failNext("DATA", "452 4.3.1 Insufficient system storage");
    const full = await rejection(email.send(message()));
    expect(full.permanent).toBe(false);
    expect(full.status).toBe(452);
    expect(server.messages).toHaveLength(0);
  });

  it("a 5xx after DATA is permanent", async () => {
    server.failNext("DATA", "554 5.7.1 Message rejected as spam");
    const error = await rejection(createSmtpEmail({ url: server.url, from: FROM }).send(message()));
    expect(error.permanent).toBe(true);
    expect(error.status).toBe(554);
  });

  it("wrong credentials are permanent (535), and the password is not in the error", async () => {
    const url = new URL(server.url);
    url.password = "wrong-password";
    const error = await rejection(
      createSmtpEmail({ url: url.toString(), from: FROM }).send(message()),
    );
    expect(error.permanent).toBe(true);
    expect(error.status).toBe(535);
    expect(JSON.stringify({ message: error.message, code: error.code })).not.toContain(
      "wrong-password",
    );
  });

  it("a dropped connection is a transient NETWORK error", async () => {
    server.dropNextConnections(1);
    const error = await rejection(createSmtpEmail({ url: server.url, from: FROM }).send(message()));
    expect(error.permanent).toBe(false);
    expect(error.code).toBe("NETWORK");
  });

  it("a server that never answers is a transient TIMEOUT", async () => {
    server.stallNextConnections(1);
    const error = await rejection(
      createSmtpEmail({ url: server.url, from: FROM, timeoutMs: 50 }).send(message()),
    );
    expect(error.permanent).toBe(false);
    expect(error.code).toBe("TIMEOUT");
  });

  it("a refused connection is a transient NETWORK error", async () => {
    const gone = await startFakeSmtp();
    const url = gone.url;
    await gone.close();
    const error = await rejection(createSmtpEmail({ url, from: FROM }).send(message()));
    expect(error.permanent).toBe(false);
    expect(error.code).toBe("NETWORK");
  });

  it("an aborted signal is a transient ABORTED error and sends nothing", async () => {
    const error = await rejection(
      createSmtpEmail({ url: server.url, from: FROM }).send(message(), AbortSignal.abort()),
    );
    expect(error.code).toBe("ABORTED");
    expect(error.permanent).toBe(false);
    expect(server.messages).toHaveLength(0);
  });

  it("an address nodemailer refuses is permanent", async () => {
    const error = await rejection(
      createSmtpEmail({ url: server.url, from: FROM }).send(message({ to: "" })),
    );
    expect(error.permanent).toBe(true);
  });

  it("a server without auth works with a url without credentials", async () => {
    const open = await startFakeSmtp();
    try {
      await createSmtpEmail({ url: open.url, from: FROM }).send(message({ html: undefined }));
      expect(open.messages).toHaveLength(1);
      expect(open.messages[0]!.authUser).toBeNull();
      expect(open.commands.some((c) => c.startsWith("AUTH"))).toBe(false);
    } finally {
      await open.close();
    }
  });

  it("refuses a bad configuration at creation, without echoing the url", () => {
    expect(() => createSmtpEmail({ url: "http://u:secret@host", from: FROM })).toThrow(/smtp:\/\//);
    expect(() => createSmtpEmail({ url: "nonsense secret", from: FROM })).toThrow(/^(?!.*secret)/);
    expect(() => createSmtpEmail({ url: server.url, from: "FlowPay" })).toThrow(/from/);
  });
});

describe("e-mail sandbox", () => {
  beforeEach(() => clearSandboxEmails());
  const sandbox = createSandboxEmail({ from: FROM });

  it("records the message, with the same id the SMTP adapter would give it", async () => {
    const result = await sandbox.send(message());
    expect(result.providerMessageId).toBe(messageIdFor("job_123:offer-email", FROM));
    const [recorded, ...rest] = sandboxEmails();
    expect(rest).toHaveLength(0);
    expect(recorded).toMatchObject({
      providerMessageId: result.providerMessageId,
      from: FROM,
      to: "ada@example.com",
      subject: "Your FlowPay offer — ready",
      idempotencyKey: "job_123:offer-email",
    });
    expect(recorded!.attachments[0]!.content).toEqual(PDF);
    expect(lastSandboxEmailTo("ADA@example.com")?.providerMessageId).toBe(result.providerMessageId);
  });

  it("a retry with the same key records nothing new; another message under the key is refused", async () => {
    const first = await sandbox.send(message());
    const again = await sandbox.send(message());
    expect(again).toEqual(first);
    expect(sandboxEmails()).toHaveLength(1);
    const error = await rejection(sandbox.send(message({ subject: "Something else" })));
    expect(error.permanent).toBe(true);
    expect(error.code).toBe("IDEMPOTENCY_KEY_REUSED");
  });

  it("magic recipients fail like an SMTP server, and nothing is recorded", async () => {
    const bounced = await rejection(
      sandbox.send(message({ to: SANDBOX_MAGIC_RECIPIENTS.rejected })),
    );
    expect(bounced).toMatchObject({ permanent: true, status: 550 });
    const deferred = await rejection(
      sandbox.send(message({ to: `Someone <${SANDBOX_MAGIC_RECIPIENTS.deferred.toUpperCase()}>` })),
    );
    expect(deferred).toMatchObject({ permanent: false, status: 451 });
    expect((await rejection(sandbox.send(message({ to: "not-an-address" })))).permanent).toBe(true);
    expect(sandboxEmails()).toHaveLength(0);
  });

  it("the accessor hands out copies", async () => {
    await sandbox.send(message());
    sandboxEmails()[0]!.attachments[0]!.content[0] = 255;
    expect(sandboxEmails()[0]!.attachments[0]!.content[0]).toBe(0);
  });
});

describe("createEmailAdapter", () => {
  it("is SMTP when smtpUrl is set, the sandbox otherwise", () => {
    expect(createEmailAdapter({ from: FROM }).name).toBe("sandbox");
    expect(createEmailAdapter({ smtpUrl: "", from: FROM }).name).toBe("sandbox");
    expect(createEmailAdapter({ smtpUrl: "smtp://u:p@127.0.0.1:2525", from: FROM }).name).toBe(
      "smtp",
    );
  });
});
