import { randomFillSync } from "node:crypto";

/**
 * Random bytes from the operating system's CSPRNG, drawn from a pool filled 4 KiB at a time:
 * one `randomBytes` call costs ≈7 µs and an intake request needs eight of them (ids, the link
 * token, an encryption IV). Every byte is handed out once and never reused.
 */
const pool = Buffer.alloc(4096);
let offset = pool.length;

export function randomBytesPooled(size: number): Buffer {
  if (size > pool.length) return randomFillSync(Buffer.alloc(size));
  if (offset + size > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + size));
  // Zero what was handed out, so the pool never holds a copy of a secret it gave away.
  pool.fill(0, offset, offset + size);
  offset += size;
  return out;
}
