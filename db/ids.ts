import { randomBytesPooled } from "./random";

const alphabet = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lower case

function encodeTime(ms: number, length: number) {
  let out = "";
  for (let i = 0; i < length; i++) {
    out = alphabet[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

/**
 * Prefixed, time-sortable ids ("app_01jq…"): the prefix tells a support engineer what an id
 * is, the time part keeps new rows at the end of indexes, 80 random bits make them unguessable.
 */
export function newId(prefix: string, now = Date.now()) {
  const random = randomBytesPooled(16);
  let tail = "";
  for (let i = 0; i < 16; i++) tail += alphabet[random[i]! % 32];
  return `${prefix}_${encodeTime(now, 10)}${tail}`;
}
