import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { getEnv, type EncryptionKey } from "./env.server";

export type Secrets = { sessionSecret: string; encryptionKeys: EncryptionKey[] };

type DevSecretsFile = { sessionSecret: string; encryptionKeys: { id: string; key: string }[] };

/**
 * Secrets from the environment. Outside production, a missing secret is generated once and
 * kept in DATA_DIR/dev-secrets.json (git-ignored, mode 0600) so the embedded demo works with
 * no configuration and restarts can still decrypt what earlier runs stored. Production never
 * gets here without both secrets (env.server.ts refuses to boot).
 */
export function loadSecrets(): Secrets {
  const env = getEnv();
  if (env.SESSION_SECRET && env.ENCRYPTION_KEYS) {
    return { sessionSecret: env.SESSION_SECRET, encryptionKeys: env.ENCRYPTION_KEYS };
  }
  const dev = readOrCreateDevSecrets(env.DATA_DIR);
  return {
    sessionSecret: env.SESSION_SECRET ?? dev.sessionSecret,
    encryptionKeys:
      env.ENCRYPTION_KEYS ??
      dev.encryptionKeys.map(({ id, key }) => ({ id, key: Buffer.from(key, "base64") })),
  };
}

function readOrCreateDevSecrets(dataDir: string): DevSecretsFile {
  const path = join(dataDir, "dev-secrets.json");
  if (existsSync(path)) return JSON.parse(readFileSync(path, "utf8")) as DevSecretsFile;
  mkdirSync(dataDir, { recursive: true });
  const created: DevSecretsFile = {
    sessionSecret: randomBytes(32).toString("base64url"),
    encryptionKeys: [{ id: "dev1", key: randomBytes(32).toString("base64") }],
  };
  writeFileSync(path, JSON.stringify(created, null, 2), { mode: 0o600, flag: "wx" });
  chmodSync(path, 0o600);
  return created;
}

let cached: Secrets | undefined;
export function getSecrets(): Secrets {
  cached ??= loadSecrets();
  return cached;
}
export function resetSecretsCache() {
  cached = undefined;
}
