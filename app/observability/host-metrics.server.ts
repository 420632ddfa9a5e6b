import { statfs } from "node:fs/promises";
import client from "prom-client";
import { metrics } from "./metrics.server";

/**
 * Free and total bytes of the file systems FlowPay writes to (the embedded database's folder and
 * DATA_DIR), read on each scrape. A full disk is the one failure an embedded database cannot
 * ride out, so the "disk usage > 80 %" alert (docs/monitoring/alerts.yml) reads these.
 */
const watched = new Map<string, string>();
let registered = false;

function register() {
  if (registered) return;
  registered = true;
  const read = async () => {
    const rows: { volume: string; free: number; size: number }[] = [];
    for (const [volume, path] of watched) {
      try {
        const stats = await statfs(path);
        rows.push({
          volume,
          free: Number(stats.bavail) * Number(stats.bsize),
          size: Number(stats.blocks) * Number(stats.bsize),
        });
      } catch {
        // A folder that vanished reports nothing: the readiness probe says why.
      }
    }
    return rows;
  };
  new client.Gauge({
    name: "flowpay_disk_free_bytes",
    help: "Bytes available to FlowPay on the file system of each volume (database, data)",
    labelNames: ["volume"],
    registers: [metrics.registry],
    async collect() {
      for (const row of await read()) this.set({ volume: row.volume }, row.free);
    },
  });
  new client.Gauge({
    name: "flowpay_disk_size_bytes",
    help: "Total bytes of the file system of each volume (database, data)",
    labelNames: ["volume"],
    registers: [metrics.registry],
    async collect() {
      for (const row of await read()) this.set({ volume: row.volume }, row.size);
    },
  });
}

/** Reports the free space of `path`'s file system as `volume` on /metrics. */
export function watchDiskSpace(volume: string, path: string) {
  watched.set(volume, path);
  register();
}
