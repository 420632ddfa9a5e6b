import { beforeAll, describe, expect, it } from "vitest";
import { appDatabase } from "~/scripts/testing/app-harness";
import {
  checkUpload,
  maxUploadBytes,
  safeFileName,
  sniffUploadType,
  uploadErrors,
} from "./uploads";
import {
  decryptUpload,
  parseUploadRequest,
  prepareUpload,
  UploadRequestError,
} from "./uploads.server";

/** The borrower's condition uploads: the type by content, the 10 MB limit, encryption (ADR 035). */
const pdfHeader = [...new TextEncoder().encode("%PDF-1.7\n")];
const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];
const jpeg = [0xff, 0xd8, 0xff, 0xe0, 0, 16];
// A Windows program: "MZ", then the DOS stub.
const exe = [0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00];

const bytes = (head: number[], size = head.length) => {
  const out = new Uint8Array(size);
  out.set(head);
  return out;
};

/** A browser's multipart POST of the upload form. */
function uploadRequest(file: { name: string; type: string; bytes: Uint8Array<ArrayBuffer> }) {
  const form = new FormData();
  form.set("conditionId", "cnd_test");
  form.set("document", new File([file.bytes], file.name, { type: file.type }));
  return new Request("http://127.0.0.1/apply/token/conditions", { method: "POST", body: form });
}

describe("upload type by content", () => {
  it("accepts PDF, PNG and JPEG by their first bytes", () => {
    expect(sniffUploadType(bytes(pdfHeader))).toBe("application/pdf");
    expect(sniffUploadType(bytes(png))).toBe("image/png");
    expect(sniffUploadType(bytes(jpeg))).toBe("image/jpeg");
  });

  it("refuses a program renamed .pdf, whatever its name says", () => {
    expect(sniffUploadType(bytes(exe))).toBeNull();
    expect(checkUpload({ name: "payslip.pdf", bytes: bytes(exe, 4096) })).toEqual({
      ok: false,
      error: uploadErrors.wrongType,
    });
    expect(
      checkUpload({ name: "notes.pdf", bytes: new TextEncoder().encode("just text") }).ok,
    ).toBe(false);
  });

  it("refuses an empty file and keeps only a safe base name", () => {
    expect(checkUpload({ name: "x.pdf", bytes: new Uint8Array() })).toEqual({
      ok: false,
      error: uploadErrors.missing,
    });
    expect(safeFileName("C:\\Users\\me\\<pay>\u0000.pdf", "application/pdf")).toBe("_pay_.pdf");
    expect(safeFileName("", "image/png")).toBe("document.png");
  });

  it("10 MB is accepted, 10 MB + 1 byte refused", () => {
    expect(checkUpload({ name: "a.pdf", bytes: bytes(pdfHeader, maxUploadBytes) }).ok).toBe(true);
    expect(checkUpload({ name: "a.pdf", bytes: bytes(pdfHeader, maxUploadBytes + 1) })).toEqual({
      ok: false,
      error: uploadErrors.tooLarge,
    });
  });
});

describe("the upload form's body (Remix's multipart parser, bounded)", () => {
  beforeAll(async () => {
    await appDatabase(); // the test configuration, with its encryption key
  });

  it("reads the form and a 10 MB file, and stores it encrypted", async () => {
    const file = bytes(pdfHeader, maxUploadBytes);
    const parsed = await parseUploadRequest(
      uploadRequest({ name: "statement.pdf", type: "application/pdf", bytes: file }),
    );
    expect(parsed.form.get("conditionId")).toBe("cnd_test");
    expect(parsed.file!.bytes.length).toBe(maxUploadBytes);
    const prepared = prepareUpload(parsed.file);
    if (!prepared.ok) throw new Error(prepared.error);
    expect(prepared.upload).toMatchObject({
      fileName: "statement.pdf",
      contentType: "application/pdf",
      sizeBytes: maxUploadBytes,
    });
    expect(prepared.upload.bytesEnc.startsWith("v1.")).toBe(true);
    // Compared as one buffer: a deep equality over ten million elements takes minutes.
    expect(Buffer.compare(decryptUpload(prepared.upload.bytesEnc), Buffer.from(file))).toBe(0);
  });

  it("refuses a 10 MB + 1 byte file with 413", async () => {
    const request = uploadRequest({
      name: "big.pdf",
      type: "application/pdf",
      bytes: bytes(pdfHeader, maxUploadBytes + 1),
    });
    const error = await parseUploadRequest(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UploadRequestError);
    expect((error as UploadRequestError).status).toBe(413);
    expect((error as Error).message).toBe(uploadErrors.tooLarge);
  });

  it("refuses a body announced larger than a file and its form, before reading it", async () => {
    const request = new Request("http://127.0.0.1/apply/token/conditions", {
      method: "POST",
      headers: {
        "Content-Type": "multipart/form-data; boundary=x",
        "Content-Length": String(maxUploadBytes * 2),
      },
      body: "--x--",
    });
    await expect(parseUploadRequest(request)).rejects.toMatchObject({ status: 413 });
  });

  it("a .exe renamed .pdf and sent as application/pdf is refused by content", async () => {
    const parsed = await parseUploadRequest(
      uploadRequest({ name: "payslip.pdf", type: "application/pdf", bytes: bytes(exe, 2048) }),
    );
    expect(prepareUpload(parsed.file)).toEqual({ ok: false, error: uploadErrors.wrongType });
  });

  it("a second file field is refused", async () => {
    const form = new FormData();
    form.set("document", new File([bytes(pdfHeader)], "a.pdf"));
    form.append("other", new File([bytes(pdfHeader)], "b.pdf"));
    const request = new Request("http://127.0.0.1/x", { method: "POST", body: form });
    await expect(parseUploadRequest(request)).rejects.toBeInstanceOf(UploadRequestError);
  });
});
