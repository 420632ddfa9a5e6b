import { stat, readFile } from "node:fs/promises";
import { extname, resolve, sep } from "node:path";

/**
 * Static files for the web-standard server, with the caching remix-serve gives them on Node:
 * fingerprinted build assets (`/build/…`) are immutable for a year, the rest of `public/` an
 * hour. ETag / If-None-Match, HEAD, and no path ever outside the folder it is served from.
 */
const types: Record<string, string> = {
  ".js": "application/javascript; charset=utf-8",
  ".mjs": "application/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".webmanifest": "application/manifest+json",
};

export type StaticMount = { urlPrefix: string; directory: string; cacheControl: string };

/** The mounts remix-serve uses: the build's assets, then `public/`. */
export function remixMounts(
  build: { publicPath: string; assetsBuildDirectory: string },
  publicDir = "public",
): StaticMount[] {
  return [
    {
      urlPrefix: build.publicPath,
      directory: build.assetsBuildDirectory,
      cacheControl: "public, max-age=31536000, immutable",
    },
    { urlPrefix: "/", directory: publicDir, cacheControl: "public, max-age=3600" },
  ];
}

/** The file's answer, or null when no mount has it (the app answers then). */
export async function serveStatic(
  request: Request,
  mounts: StaticMount[],
): Promise<Response | null> {
  if (request.method !== "GET" && request.method !== "HEAD") return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(request.url).pathname);
  } catch {
    return null;
  }
  if (pathname.includes("\0")) return null;
  for (const mount of mounts) {
    if (!pathname.startsWith(mount.urlPrefix)) continue;
    const root = resolve(mount.directory);
    const file = resolve(root, `.${sep}${pathname.slice(mount.urlPrefix.length)}`);
    if (file !== root && !file.startsWith(root + sep)) continue;
    let info;
    try {
      info = await stat(file);
    } catch {
      continue;
    }
    if (!info.isFile()) continue;
    const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
    const headers = new Headers({
      "Content-Type": types[extname(file).toLowerCase()] ?? "application/octet-stream",
      "Cache-Control": mount.cacheControl,
      ETag: etag,
      "Last-Modified": new Date(info.mtimeMs).toUTCString(),
    });
    if (request.headers.get("if-none-match") === etag) {
      return new Response(null, { status: 304, headers });
    }
    headers.set("Content-Length", String(info.size));
    const body = request.method === "HEAD" ? null : new Uint8Array(await readFile(file));
    return new Response(body, { status: 200, headers });
  }
  return null;
}
