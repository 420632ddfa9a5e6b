/**
 * What a borrower may upload for a funding condition (ADR 035): a PDF, JPEG or PNG of at most
 * 10 MB. The type is decided by the file's first bytes (its "magic number"), never by its name
 * or the Content-Type the browser sent: a program renamed "payslip.pdf" is refused. Pure.
 */
export const maxUploadBytes = 10 * 1024 * 1024;

export const uploadTypes = {
  "application/pdf": { label: "PDF", extension: "pdf" },
  "image/jpeg": { label: "JPEG", extension: "jpg" },
  "image/png": { label: "PNG", extension: "png" },
} as const;
export type UploadType = keyof typeof uploadTypes;

const startsWith = (bytes: Uint8Array, signature: readonly number[]) =>
  bytes.length >= signature.length && signature.every((b, i) => bytes[i] === b);

/** The file's type by content, or null when it is none of the accepted ones. */
export function sniffUploadType(bytes: Uint8Array): UploadType | null {
  // "%PDF-": a PDF's header (ISO 32000-1 §7.5.2) — readers accept it within the first KB, we ask for it first.
  if (startsWith(bytes, [0x25, 0x50, 0x44, 0x46, 0x2d])) return "application/pdf";
  // JPEG: SOI marker then the next marker's 0xFF.
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "image/jpeg";
  // PNG: the 8-byte signature.
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  return null;
}

export type UploadCheck =
  { ok: true; contentType: UploadType; fileName: string } | { ok: false; error: string };

export const uploadErrors = {
  missing: "Choose a file to upload",
  tooLarge: `The file is larger than ${maxUploadBytes / 1024 / 1024} MB; send a smaller scan or photo`,
  wrongType: "Upload a PDF, JPEG or PNG file (this file is none of them)",
} as const;

/** A file name safe to store and show: no path, no control characters, at most 120 characters. */
export function safeFileName(name: string, type: UploadType): string {
  const base = (name.split(/[\\/]/).pop() ?? "")
    .replace(/[^\w .()-]+/g, "_")
    .trim()
    .slice(0, 120);
  return base || `document.${uploadTypes[type].extension}`;
}

/** Checks an upload's size and content. */
export function checkUpload(file: { name: string; bytes: Uint8Array }): UploadCheck {
  if (file.bytes.length === 0) return { ok: false, error: uploadErrors.missing };
  if (file.bytes.length > maxUploadBytes) return { ok: false, error: uploadErrors.tooLarge };
  const type = sniffUploadType(file.bytes);
  if (!type) return { ok: false, error: uploadErrors.wrongType };
  return { ok: true, contentType: type, fileName: safeFileName(file.name, type) };
}
