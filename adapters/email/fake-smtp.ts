/**
 * A minimal SMTP server for tests (node:net, 127.0.0.1, port 0): enough of RFC 5321 for
 * nodemailer — EHLO/HELO, AUTH PLAIN and LOGIN (when credentials are configured; then
 * required before MAIL), MAIL FROM, RCPT TO, DATA (dot-unstuffed), RSET, NOOP, QUIT. No
 * STARTTLS and no PIPELINING are offered, so the client talks plainly, one command at a
 * time.
 *
 * It records every accepted message (`messages`, raw DATA included) and every command
 * (`commands`, AUTH payloads masked), and can reject a recipient (`rejectRecipient`), fail
 * the next MAIL/RCPT/DATA (`failNext`), drop the next connections before the greeting
 * (`dropNextConnections`) or accept them and never greet (`stallNextConnections`). `mimeParts` takes a received message apart for assertions.
 */
import { randomBytes } from "node:crypto";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";

const MAX_MESSAGE_BYTES = 25 * 1024 * 1024;
const HOSTNAME = "fake-smtp.flowpay.test";

export type FakeSmtpMessage = {
  /** The envelope, as given in MAIL FROM / RCPT TO (accepted recipients only). */
  from: string;
  to: string[];
  /** The message as sent in DATA, dot-unstuffed, CRLF line ends, without the final ".". */
  data: string;
  /** The user that authenticated, if any. */
  authUser: string | null;
  /** The server's queue id (in its 250 reply). */
  queueId: string;
  receivedAt: Date;
};

export type FakeSmtp = {
  host: string;
  port: number;
  /** `smtp://user:pass@127.0.0.1:port` (user/pass encoded) or `smtp://127.0.0.1:port`. */
  url: string;
  messages: FakeSmtpMessage[];
  /** Every command line received, in order, per connection concatenated; AUTH payloads masked. */
  commands: string[];
  /** Every reply to RCPT TO for this address (case-insensitive) is `reply`, e.g. "550 5.1.1 No such user". */
  rejectRecipient(address: string, reply: string): void;
  /** The next `command` (MAIL, RCPT or DATA — for DATA: the reply after the message) gets `reply`. */
  failNext(command: "MAIL" | "RCPT" | "DATA", reply: string): void;
  /** The next `count` connections are closed at once, before the greeting. */
  dropNextConnections(count: number): void;
  /** The next `count` connections are accepted but never greeted (until close). */
  stallNextConnections(count: number): void;
  close(): Promise<void>;
};

type Session = {
  greeted: boolean;
  authUser: string | null;
  from: string | null;
  to: string[];
  mode: "command" | "data" | "auth-plain" | "auth-login-user" | "auth-login-pass";
  loginUser: string | null;
  dataLines: string[];
  dataBytes: number;
};

function newSession(): Session {
  return {
    greeted: false,
    authUser: null,
    from: null,
    to: [],
    mode: "command",
    loginUser: null,
    dataLines: [],
    dataBytes: 0,
  };
}

/** `<addr>` from `FROM:<addr> SIZE=…` / `TO:<addr>`. */
function pathArgument(rest: string, keyword: "FROM" | "TO"): string | null {
  const match = new RegExp(`^${keyword}:\\s*<([^>]*)>`, "i").exec(rest.trim());
  return match ? (match[1] ?? "") : null;
}

export async function startFakeSmtp(
  options: { auth?: { user: string; pass: string } } = {},
): Promise<FakeSmtp> {
  const auth = options.auth;
  const messages: FakeSmtpMessage[] = [];
  const commands: string[] = [];
  const recipientReplies = new Map<string, string>();
  const failures: { command: "MAIL" | "RCPT" | "DATA"; reply: string }[] = [];
  const sockets = new Set<Socket>();
  let drops = 0;
  let stalls = 0;

  function takeFailure(command: "MAIL" | "RCPT" | "DATA"): string | undefined {
    const index = failures.findIndex((failure) => failure.command === command);
    if (index < 0) return undefined;
    return failures.splice(index, 1)[0]?.reply;
  }

  function checkCredentials(user: string, pass: string): boolean {
    return auth !== undefined && user === auth.user && pass === auth.pass;
  }

  function handleConnection(socket: Socket) {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {}); // a client that goes away is not the test's failure
    if (drops > 0) {
      drops--;
      socket.destroy();
      return;
    }
    if (stalls > 0) {
      stalls--;
      return;
    }
    const session = newSession();
    let buffer = "";
    const reply = (line: string) => {
      if (!socket.destroyed) socket.write(line + "\r\n");
    };
    reply(`220 ${HOSTNAME} ESMTP FlowPay fake`);

    const onData = (line: string) => {
      if (line === ".") {
        session.mode = "command";
        const data = session.dataLines.join("\r\n") + "\r\n";
        session.dataLines = [];
        session.dataBytes = 0;
        const failure = takeFailure("DATA");
        if (failure) {
          reply(failure);
        } else if (data.length > MAX_MESSAGE_BYTES) {
          reply("552 5.3.4 Message too big");
        } else {
          const queueId = randomBytes(6).toString("hex").toUpperCase();
          messages.push({
            from: session.from ?? "",
            to: [...session.to],
            data,
            authUser: session.authUser,
            queueId,
            receivedAt: new Date(),
          });
          reply(`250 2.0.0 Ok: queued as ${queueId}`);
        }
        session.from = null;
        session.to = [];
        return;
      }
      const unstuffed = line.startsWith(".") ? line.slice(1) : line;
      session.dataBytes += unstuffed.length + 2;
      if (session.dataBytes <= MAX_MESSAGE_BYTES) session.dataLines.push(unstuffed);
    };

    const onAuthPlain = (payload: string) => {
      session.mode = "command";
      const decoded = Buffer.from(payload, "base64").toString("utf8").split("\u0000");
      // authzid \0 authcid \0 password
      const [, user = "", pass = ""] = decoded;
      if (checkCredentials(user, pass)) {
        session.authUser = user;
        reply("235 2.7.0 Authentication successful");
      } else {
        reply("535 5.7.8 Authentication credentials invalid");
      }
    };

    const onCommand = (line: string) => {
      const space = line.indexOf(" ");
      const verb = (space < 0 ? line : line.slice(0, space)).toUpperCase();
      const rest = space < 0 ? "" : line.slice(space + 1);
      commands.push(verb === "AUTH" ? `AUTH ${rest.split(" ")[0] ?? ""} ***` : line);

      switch (verb) {
        case "EHLO": {
          session.greeted = true;
          session.from = null;
          session.to = [];
          const lines = [HOSTNAME, `SIZE ${MAX_MESSAGE_BYTES}`, "8BITMIME"];
          if (auth) lines.push("AUTH PLAIN LOGIN");
          lines.push("HELP");
          lines.forEach((text, i) => reply(`250${i === lines.length - 1 ? " " : "-"}${text}`));
          return;
        }
        case "HELO":
          session.greeted = true;
          return reply(`250 ${HOSTNAME}`);
        case "AUTH": {
          if (!auth) return reply("502 5.5.1 AUTH not supported");
          if (session.authUser) return reply("503 5.5.1 Already authenticated");
          const [mechanism = "", initial] = rest.split(" ");
          if (mechanism.toUpperCase() === "PLAIN") {
            if (initial) return onAuthPlain(initial);
            session.mode = "auth-plain";
            return reply("334 ");
          }
          if (mechanism.toUpperCase() === "LOGIN") {
            if (initial) {
              session.loginUser = Buffer.from(initial, "base64").toString("utf8");
              session.mode = "auth-login-pass";
              return reply("334 UGFzc3dvcmQ6"); // "Password:"
            }
            session.mode = "auth-login-user";
            return reply("334 VXNlcm5hbWU6"); // "Username:"
          }
          return reply("504 5.5.4 Unrecognized authentication type");
        }
        case "MAIL": {
          if (!session.greeted) return reply("503 5.5.1 Send EHLO first");
          if (auth && !session.authUser) return reply("530 5.7.0 Authentication required");
          const address = pathArgument(rest, "FROM");
          if (address === null) return reply("501 5.5.4 Syntax: MAIL FROM:<address>");
          const failure = takeFailure("MAIL");
          if (failure) return reply(failure);
          session.from = address;
          session.to = [];
          return reply("250 2.1.0 Ok");
        }
        case "RCPT": {
          if (session.from === null) return reply("503 5.5.1 Need MAIL before RCPT");
          const address = pathArgument(rest, "TO");
          if (!address) return reply("501 5.5.4 Syntax: RCPT TO:<address>");
          const failure = takeFailure("RCPT") ?? recipientReplies.get(address.toLowerCase());
          if (failure) return reply(failure);
          session.to.push(address);
          return reply("250 2.1.5 Ok");
        }
        case "DATA":
          if (session.from === null || session.to.length === 0) {
            return reply("503 5.5.1 Need RCPT before DATA");
          }
          session.mode = "data";
          return reply("354 End data with <CR><LF>.<CR><LF>");
        case "RSET":
          session.from = null;
          session.to = [];
          return reply("250 2.0.0 Ok");
        case "NOOP":
          return reply("250 2.0.0 Ok");
        case "QUIT":
          reply("221 2.0.0 Bye");
          socket.end();
          return;
        default:
          return reply("502 5.5.2 Command not recognized");
      }
    };

    const onLine = (line: string) => {
      switch (session.mode) {
        case "data":
          return onData(line);
        case "auth-plain":
          return onAuthPlain(line);
        case "auth-login-user":
          session.loginUser = Buffer.from(line, "base64").toString("utf8");
          session.mode = "auth-login-pass";
          return reply("334 UGFzc3dvcmQ6");
        case "auth-login-pass": {
          session.mode = "command";
          const pass = Buffer.from(line, "base64").toString("utf8");
          if (checkCredentials(session.loginUser ?? "", pass)) {
            session.authUser = session.loginUser;
            return reply("235 2.7.0 Authentication successful");
          }
          return reply("535 5.7.8 Authentication credentials invalid");
        }
        case "command":
          return onCommand(line);
      }
    };

    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf("\r\n")) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        onLine(line);
      }
    });
  }

  const server: Server = createServer(handleConnection);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const credentials = auth
    ? `${encodeURIComponent(auth.user)}:${encodeURIComponent(auth.pass)}@`
    : "";

  return {
    host: "127.0.0.1",
    port,
    url: `smtp://${credentials}127.0.0.1:${port}`,
    messages,
    commands,
    rejectRecipient(address, reply) {
      recipientReplies.set(address.toLowerCase(), reply);
    },
    failNext(command, reply) {
      failures.push({ command, reply });
    },
    dropNextConnections(count) {
      drops += count;
    },
    stallNextConnections(count) {
      stalls += count;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type MimePart = {
  /** Header names lower-cased, folded lines joined. */
  headers: Record<string, string>;
  /** The body as sent (still transfer-encoded). */
  body: string;
};

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  const unfolded = block.replace(/\r\n[ \t]+/g, " ");
  for (const line of unfolded.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/**
 * The leaf parts of a MIME message (multipart bodies taken apart, nested ones too), the
 * root's headers first. Enough for test assertions, not a general MIME parser.
 */
export function mimeParts(raw: string): { headers: Record<string, string>; leaves: MimePart[] } {
  const split = (entity: string): MimePart => {
    const end = entity.indexOf("\r\n\r\n");
    const headerBlock = end < 0 ? entity : entity.slice(0, end);
    return {
      headers: parseHeaders(headerBlock),
      body: end < 0 ? "" : entity.slice(end + 4),
    };
  };
  const leaves = (part: MimePart): MimePart[] => {
    const contentType = part.headers["content-type"] ?? "";
    const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
    if (!/^multipart\//i.test(contentType) || !boundary) return [part];
    const sections = part.body.split(`--${boundary}`);
    // sections[0] is the preamble; the last one starts with "--" (the closing delimiter).
    return sections
      .slice(1)
      .filter((section) => !section.startsWith("--"))
      .map((section) => split(section.replace(/^\r\n/, "").replace(/\r\n$/, "")))
      .flatMap(leaves);
  };
  const root = split(raw);
  return { headers: root.headers, leaves: leaves(root) };
}
