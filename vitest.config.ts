import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "~": fileURLToPath(new URL(".", import.meta.url)) } },
  test: {
    include: [
      "app/**/*.test.{ts,tsx}",
      "db/**/*.test.ts",
      "jobs/**/*.test.ts",
      "adapters/**/*.test.ts",
      "scripts/**/*.test.ts",
    ],
    environment: "node",
    // Two cores: two workers; each test file gets its own database file (tests/helpers).
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { FLOWPAY_ENV: "test", LOG_LEVEL: "silent" },
  },
});
