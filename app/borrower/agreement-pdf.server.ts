import { createHash } from "node:crypto";
import {
  beginText,
  endText,
  fillAndStroke,
  moveText,
  PageSizes,
  PDFContentStream,
  PDFDocument,
  PDFName,
  PDFRawStream,
  type PDFFont,
  type PDFPage,
  popGraphicsState,
  pushGraphicsState,
  rectangle,
  rgb,
  setFillingColor,
  setFontAndSize,
  setLineWidth,
  setStrokingColor,
  stroke,
  StandardFonts,
  PDFOperator,
  PDFOperatorNames,
  PDFString,
  type RGB,
} from "pdf-lib";
import { type AdverseActionNoticeView } from "~/app/decisioning/adverse-action";
import { agreementText, type AgreementDocument } from "./agreement";
import { toWinAnsi, truncate, wrapText } from "./pdf-text";

/**
 * The signed loan agreement and the adverse action notice as PDFs (pdf-lib, standard
 * Helvetica, US Letter). Both are deterministic: the same inputs give the same bytes, so a
 * stored SHA-256 can be reproduced later. pdf-lib itself writes no trailer /ID and seeds its
 * resource-name generator with a constant; we turn off its "now" metadata
 * (`updateMetadata: false`) and set every Info field from the inputs instead.
 */

export type AgreementSignature = {
  fullName: string;
  signedAt: Date;
  ip: string | null;
  userAgent: string | null;
};

const [pageWidth, pageHeight] = PageSizes.Letter;
const margin = 54;
const footerHeight = 24;
const contentWidth = pageWidth - 2 * margin;
const lineFactor = 1.3;
const black = rgb(0, 0, 0);
const grey = rgb(0.35, 0.35, 0.35);
const headerFill = rgb(0.9, 0.9, 0.9);
const producer = "FlowPay document renderer (pdf-lib 1.17.1)";
const userAgentMaxChars = 160;

type Fonts = { regular: PDFFont; bold: PDFFont };

/** Each document's writer, so saving closes its open text objects (see Writer). */
const openWriters = new WeakMap<PDFDocument, Writer>();
type Align = "left" | "right";
type Column = { header: string; width: number; align?: Align };

/** RFC 3339 in UTC with milliseconds ("2025-01-31T18:04:05.123Z"). */
function rfc3339(date: Date) {
  return date.toISOString();
}

function assertValidDate(date: Date, what: string) {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new RangeError(`${what} is not a valid date`);
  }
}

/** A coordinate as written: to the hundredth of a point, so differences print the same everywhere. */
const round2 = (value: number) => Math.round(value * 100) / 100;

/** Where the open text object of a page left off: its last line's origin, font, size and colour. */
type TextCursor = { x: number; y: number; font?: PDFFont; size?: number; color?: string };

/**
 * A page-flowing writer: wraps, paginates, draws bordered tables. Every string drawn is sanitised.
 *
 * Text is written position-independently (ADR 087): the lines a page shows one after another form
 * one text object whose every line is placed by a move RELATIVE to the previous one (`0 -13 Td`),
 * under fixed font names (/F1 regular, /F2 bold). The same paragraphs therefore give the same
 * bytes in every borrower's document wherever the lines above them pushed them, and are stored
 * once (app/storage/documents.server.ts). pdf-lib's own drawText would place every line
 * absolutely and name the font anew at each change.
 */
class Writer {
  page!: PDFPage;
  y = 0;
  private readonly cursors = new Map<PDFPage, TextCursor>();
  private readonly borders = new Map<
    PDFPage,
    { x: number; y: number; width: number; height: number; borderWidth: number; borderColor: RGB }[]
  >();

  constructor(
    readonly pdf: PDFDocument,
    readonly fonts: Fonts,
  ) {
    openWriters.set(pdf, this);
    this.newPage();
  }

  newPage() {
    if (this.page) this.flushBorders(this.page);
    this.page = this.pdf.addPage([pageWidth, pageHeight]);
    this.y = pageHeight - margin;
  }

  /** Closes the page's open text object (before drawing anything else, and before saving). */
  endText(page = this.page) {
    if (!this.cursors.has(page)) return;
    page.pushOperators(endText());
    this.cursors.delete(page);
  }

  /** Closes every open text object and draws every border: the document is complete. */
  finish() {
    for (const page of [...this.borders.keys()]) this.flushBorders(page);
    for (const page of [...this.cursors.keys()]) this.endText(page);
  }

  /** The page's borders as one path per line width, drawn over what is already there. */
  private flushBorders(page: PDFPage) {
    const borders = this.borders.get(page);
    if (!borders) return;
    this.borders.delete(page);
    this.endText(page);
    const operators: PDFOperator[] = [pushGraphicsState()];
    let current: string | undefined;
    for (const border of borders) {
      const key = `${border.borderWidth} ${border.borderColor.red} ${border.borderColor.green} ${border.borderColor.blue}`;
      if (key !== current) {
        if (current !== undefined) operators.push(stroke());
        operators.push(setStrokingColor(border.borderColor), setLineWidth(border.borderWidth));
        current = key;
      }
      operators.push(
        rectangle(round2(border.x), round2(border.y), round2(border.width), round2(border.height)),
      );
    }
    operators.push(stroke(), popGraphicsState());
    page.pushOperators(...operators);
  }

  /**
   * A bordered (optionally filled) rectangle, outside any text object: one `re` with rounded
   * coordinates (pdf-lib's drawRectangle writes ≈150 bytes of matrices per cell).
   */
  rectangle(
    box: { x: number; y: number; width: number; height: number },
    style: { borderWidth: number; borderColor: RGB; color?: RGB },
    page = this.page,
  ) {
    if (!style.color) {
      // A border only: kept for the page's one grid path (flushBorders), so the text beside it
      // stays one text object.
      const borders = this.borders.get(page) ?? [];
      borders.push({ ...box, ...style });
      this.borders.set(page, borders);
      return;
    }
    this.endText(page);
    page.pushOperators(
      pushGraphicsState(),
      ...(style.color ? [setFillingColor(style.color)] : []),
      setStrokingColor(style.borderColor),
      setLineWidth(style.borderWidth),
      rectangle(round2(box.x), round2(box.y), round2(box.width), round2(box.height)),
      style.color ? fillAndStroke() : stroke(),
      popGraphicsState(),
    );
  }

  private fontName(font: PDFFont, page: PDFPage) {
    const name = PDFName.of(font === this.fonts.bold ? "F2" : "F1");
    page.node.setFontDictionary(name, font.ref);
    return name;
  }

  get bottom() {
    return margin + footerHeight;
  }

  /** Starts a new page unless `height` fits below the cursor. */
  ensure(height: number) {
    if (this.y - height < this.bottom) this.newPage();
  }

  space(height: number) {
    this.y -= height;
  }

  wrap(text: string, font: PDFFont, size: number, width: number) {
    return wrapText(toWinAnsi(text), width, (value) => font.widthOfTextAtSize(value, size));
  }

  /** Draws one line whose top is at `top`. */
  drawLine(
    text: string,
    x: number,
    top: number,
    font: PDFFont,
    size: number,
    color: RGB = black,
    page = this.page,
  ) {
    const x2 = round2(x);
    const y2 = round2(top - size);
    const operators: PDFOperator[] = [];
    let cursor = this.cursors.get(page);
    if (!cursor) {
      cursor = { x: 0, y: 0 };
      this.cursors.set(page, cursor);
      operators.push(beginText());
    }
    const colorKey = `${color.red} ${color.green} ${color.blue}`;
    if (cursor.color !== colorKey) operators.push(setFillingColor(color));
    if (cursor.font !== font || cursor.size !== size) {
      operators.push(setFontAndSize(this.fontName(font, page), size));
    }
    operators.push(
      moveText(round2(x2 - cursor.x), round2(y2 - cursor.y)),
      // A literal string of the WinAnsi bytes (`(Loan date …)`), half the size of pdf-lib's hex.
      PDFOperator.of(PDFOperatorNames.ShowText, [
        PDFString.of(
          Buffer.from(font.encodeText(toWinAnsi(text).replace(/[\r\n]+/g, " ")).asString(), "hex")
            .toString("latin1")
            .replace(/[()\\]/g, (c) => `\\${c}`),
        ),
      ]),
    );
    Object.assign(cursor, { x: x2, y: y2, font, size, color: colorKey });
    page.pushOperators(...operators);
  }

  paragraph(
    text: string,
    options: { font?: PDFFont; size?: number; indent?: number; color?: RGB; after?: number } = {},
  ) {
    const font = options.font ?? this.fonts.regular;
    const size = options.size ?? 10;
    const indent = options.indent ?? 0;
    const lineHeight = size * lineFactor;
    for (const line of this.wrap(text, font, size, contentWidth - indent)) {
      this.ensure(lineHeight);
      this.drawLine(line, margin + indent, this.y, font, size, options.color);
      this.y -= lineHeight;
    }
    this.y -= options.after ?? size * 0.5;
  }

  /** "1. Text" with the text wrapped under itself, not under the number. */
  numbered(label: string, text: string, size = 10) {
    const labelWidth = 18;
    const lineHeight = size * lineFactor;
    const lines = this.wrap(text, this.fonts.regular, size, contentWidth - labelWidth);
    lines.forEach((line, index) => {
      this.ensure(lineHeight);
      if (index === 0) this.drawLine(label, margin, this.y, this.fonts.regular, size);
      this.drawLine(line, margin + labelWidth, this.y, this.fonts.regular, size);
      this.y -= lineHeight;
    });
    this.y -= size * 0.3;
  }

  /** A bold heading kept on the same page as what follows it (by default two lines of text). */
  heading(text: string, size = 12, keepWithNext = 2 * 10 * lineFactor) {
    const lines = this.wrap(text, this.fonts.bold, size, contentWidth);
    this.ensure(lines.length * size * lineFactor + 2 + keepWithNext);
    for (const line of lines) {
      this.drawLine(line, margin, this.y, this.fonts.bold, size);
      this.y -= size * lineFactor;
    }
    this.y -= 2;
  }

  /**
   * A bordered table with a shaded header row, repeated at the top of every page the table
   * continues on. Cells wrap; a row never splits across pages.
   */
  table(columns: Column[], rows: string[][], options: { size?: number; boldRows?: number[] } = {}) {
    const size = options.size ?? 9;
    const lineHeight = size * lineFactor;
    const pad = 4;
    const layout = (cells: string[], font: PDFFont) => {
      const wrapped = columns.map((column, index) =>
        this.wrap(cells[index] ?? "", font, size, column.width - 2 * pad),
      );
      const height = Math.max(...wrapped.map((lines) => lines.length)) * lineHeight + 2 * pad;
      return { wrapped, height };
    };
    const drawRow = (cells: string[], font: PDFFont, fill?: RGB) => {
      const { wrapped, height } = layout(cells, font);
      let x = margin;
      columns.forEach((column, index) => {
        this.rectangle(
          { x, y: this.y - height, width: column.width, height },
          { borderWidth: 0.5, borderColor: black, ...(fill ? { color: fill } : {}) },
        );
        let top = this.y - pad;
        for (const line of wrapped[index]!) {
          const width = font.widthOfTextAtSize(line, size);
          const left = column.align === "right" ? x + column.width - pad - width : x + pad;
          this.drawLine(line, left, top, font, size);
          top -= lineHeight;
        }
        x += column.width;
      });
      this.y -= height;
    };
    const headers = columns.map((column) => column.header);
    const headerHeight = layout(headers, this.fonts.bold).height;
    const bold = new Set(options.boldRows ?? []);
    this.ensure(headerHeight + (rows[0] ? layout(rows[0], this.fonts.regular).height : 0));
    drawRow(headers, this.fonts.bold, headerFill);
    rows.forEach((cells, index) => {
      const font = bold.has(index) ? this.fonts.bold : this.fonts.regular;
      if (this.y - layout(cells, font).height < this.bottom) {
        this.newPage();
        drawRow(headers, this.fonts.bold, headerFill);
      }
      drawRow(cells, font);
    });
    this.y -= 10;
  }

  /** A bordered box around text drawn by `draw` (which must not need more than one page). */
  box(height: number, draw: (top: number) => void) {
    this.ensure(height);
    this.rectangle(
      { x: margin, y: this.y - height, width: contentWidth, height },
      { borderWidth: 1, borderColor: black },
    );
    draw(this.y);
    this.y -= height + 10;
  }

  /** "left … Page i of n" at the foot of every page (after all content is laid out). */
  footers(left: string) {
    const pages = this.pdf.getPages();
    const size = 8;
    pages.forEach((page, index) => {
      const right = `Page ${index + 1} of ${pages.length}`;
      const rightWidth = this.fonts.regular.widthOfTextAtSize(right, size);
      const leftText = truncate(toWinAnsi(left), 110);
      this.drawLine(leftText, margin, margin, this.fonts.regular, size, grey, page);
      this.drawLine(
        right,
        pageWidth - margin - rightWidth,
        margin,
        this.fonts.regular,
        size,
        grey,
        page,
      );
    });
  }
}

async function newDocument(meta: {
  title: string;
  subject: string;
  author: string;
  keywords: string[];
  date: Date;
}) {
  const pdf = await PDFDocument.create({ updateMetadata: false });
  pdf.setTitle(meta.title, { showInWindowTitleBar: true });
  pdf.setSubject(meta.subject);
  pdf.setAuthor(meta.author);
  pdf.setKeywords(meta.keywords);
  pdf.setCreator("FlowPay");
  pdf.setProducer(producer);
  pdf.setLanguage("en-US");
  pdf.setCreationDate(meta.date);
  pdf.setModificationDate(meta.date);
  const fonts: Fonts = {
    regular: await pdf.embedFont(StandardFonts.Helvetica),
    bold: await pdf.embedFont(StandardFonts.HelveticaBold),
  };
  return { pdf, writer: new Writer(pdf, fonts) };
}

/**
 * Classic cross-reference table rather than object streams: readable by every PDF tool.
 *
 * Content streams are written plain, not deflated (ADR 087): a document is stored as
 * content-defined chunks shared by SHA-256 with every other document (app/storage/documents.server.ts),
 * and the text every borrower's agreement and notice have in common is only byte-identical —
 * and so stored once — before deflate mixes it with what is theirs alone. The stored chunks are
 * brotli-compressed, so the PDF's size on the wire grows, not in the database.
 */
function save(pdf: PDFDocument) {
  openWriters.get(pdf)?.finish();
  for (const [ref, object] of pdf.context.enumerateIndirectObjects()) {
    if (!(object instanceof PDFContentStream)) continue;
    const dict = object.dict.clone(pdf.context);
    dict.delete(PDFName.of("Filter"));
    pdf.context.assign(ref, PDFRawStream.of(dict, object.getUnencodedContents()));
  }
  return pdf.save({
    useObjectStreams: false,
    addDefaultPage: false,
    updateFieldAppearances: false,
  });
}

/** The federal box: four bordered cells side by side, APR and finance charge bold and larger. */
function federalBox(writer: Writer, doc: AgreementDocument) {
  const { regular, bold } = writer.fonts;
  const cells = doc.federalBox;
  const width = contentWidth / Math.max(1, cells.length);
  const pad = 6;
  const laid = cells.map((cell) => {
    const labelFont = bold;
    const labelSize = cell.conspicuous ? 11 : 9;
    const valueFont = cell.conspicuous ? bold : regular;
    const valueSize = cell.conspicuous ? 15 : 12;
    const inner = width - 2 * pad;
    const label = writer.wrap(cell.label, labelFont, labelSize, inner);
    const explanation = writer.wrap(cell.explanation, regular, 8, inner);
    const value = writer.wrap(cell.value, valueFont, valueSize, inner);
    const height =
      label.length * labelSize * lineFactor +
      4 +
      explanation.length * 8 * lineFactor +
      8 +
      value.length * valueSize * lineFactor;
    return { cell, label, labelSize, explanation, value, valueFont, valueSize, height };
  });
  const height = Math.max(...laid.map((cell) => cell.height)) + 2 * pad;
  writer.ensure(height);
  const top = writer.y;
  laid.forEach((cell, index) => {
    const x = margin + index * width;
    writer.rectangle({ x, y: top - height, width, height }, { borderWidth: 1, borderColor: black });
    let y = top - pad;
    for (const line of cell.label) {
      writer.drawLine(line, x + pad, y, bold, cell.labelSize);
      y -= cell.labelSize * lineFactor;
    }
    y -= 4;
    for (const line of cell.explanation) {
      writer.drawLine(line, x + pad, y, regular, 8);
      y -= 8 * lineFactor;
    }
    // Values sit on a common baseline at the foot of the box.
    let valueTop = top - height + pad + cell.value.length * cell.valueSize * lineFactor;
    for (const line of cell.value) {
      writer.drawLine(line, x + pad, valueTop, cell.valueFont, cell.valueSize);
      valueTop -= cell.valueSize * lineFactor;
    }
  });
  writer.y = top - height - 10;
}

function signatureLine(signature: AgreementSignature) {
  const name = signature.fullName.replace(/\s+/g, " ").trim();
  const ip = signature.ip ? truncate(signature.ip.replace(/\s+/g, ""), 64) : "unknown";
  const agent = signature.userAgent
    ? ` (${truncate(signature.userAgent.replace(/\s+/g, " ").trim(), userAgentMaxChars)})`
    : " (user agent not recorded)";
  return `Electronically signed by ${name} on ${rfc3339(signature.signedAt)} from IP ${ip}${agent}`;
}

/** The signed agreement. Same document and signature → the same bytes. */
export async function renderAgreementPdf(
  doc: AgreementDocument,
  signature: AgreementSignature,
): Promise<Uint8Array> {
  assertValidDate(signature.signedAt, "signedAt");
  const textSha256 = createHash("sha256").update(agreementText(doc)).digest("hex");
  const { pdf, writer } = await newDocument({
    title: doc.title,
    subject: `Signed loan agreement, application ${doc.applicationId} (${doc.version})`,
    author: doc.creditor.name,
    keywords: ["loan agreement", "Truth in Lending disclosure", doc.version, doc.applicationId],
    date: signature.signedAt,
  });
  const { regular, bold } = writer.fonts;

  writer.paragraph(doc.title, { font: bold, size: 16, after: 2 });
  writer.paragraph(
    `Loan date ${doc.loanDate} - Application ${doc.applicationId} - Version ${doc.version}`,
    { size: 9, color: grey, after: 10 },
  );

  writer.heading("Federal Truth in Lending disclosures");
  writer.paragraph(`Creditor: ${doc.creditor.name}, ${doc.creditor.address}`, { size: 9 });
  federalBox(writer, doc);

  writer.heading("Your payment schedule", 11);
  writer.table(
    [
      { header: "Number of payments", width: 110, align: "right" },
      { header: "Amount of each payment", width: 130, align: "right" },
      { header: "When payments are due", width: contentWidth - 240 },
    ],
    doc.paymentSchedule.map((group) => [String(group.count), group.amount, group.when]),
    { size: 10 },
  );

  writer.heading("Itemization of the amount financed", 11);
  const financedRow = doc.itemization.findIndex((item) => item.label === "Amount financed");
  writer.table(
    [
      { header: "Item", width: contentWidth - 120 },
      { header: "Amount", width: 120, align: "right" },
    ],
    doc.itemization.map((item) => [item.label, item.value]),
    { size: 10, boldRows: financedRow >= 0 ? [financedRow] : [] },
  );

  for (const section of doc.sections) {
    writer.heading(section.heading, 11);
    for (const paragraph of section.paragraphs) {
      writer.paragraph(paragraph, { font: section.conspicuous ? bold : regular });
    }
    writer.space(4);
  }

  // Signature block.
  const size = 10;
  const pad = 8;
  const inner = contentWidth - 2 * pad;
  const blocks: { lines: string[]; font: PDFFont; size: number }[] = [
    { lines: writer.wrap(signatureLine(signature), bold, size, inner), font: bold, size },
    {
      lines: writer.wrap(`The borrower agreed: "${doc.consentText}"`, regular, 9, inner),
      font: regular,
      size: 9,
    },
    {
      lines: writer.wrap(
        `Document version ${doc.version}. SHA-256 of the agreement text: ${textSha256}`,
        regular,
        8,
        inner,
      ),
      font: regular,
      size: 8,
    },
  ];
  const blockHeight =
    blocks.reduce((sum, block) => sum + block.lines.length * block.size * lineFactor + 4, 0) +
    2 * pad;
  writer.heading("Electronic signature", 11, blockHeight);
  writer.box(blockHeight, (top) => {
    let y = top - pad;
    for (const block of blocks) {
      for (const line of block.lines) {
        writer.drawLine(line, margin + pad, y, block.font, block.size);
        y -= block.size * lineFactor;
      }
      y -= 4;
    }
  });

  // The full schedule, as part of the agreement.
  writer.space(6);
  writer.heading("Payment schedule by payment (part of this Agreement)", 11);
  const money = 84;
  writer.table(
    [
      { header: "No.", width: 36, align: "right" },
      { header: "Due date", width: contentWidth - 36 - 4 * money },
      { header: "Payment", width: money, align: "right" },
      { header: "Principal", width: money, align: "right" },
      { header: "Interest", width: money, align: "right" },
      { header: "Balance", width: money, align: "right" },
    ],
    doc.scheduleTable.map((row) => [
      String(row.number),
      row.dueDate,
      row.payment,
      row.principal,
      row.interest,
      row.balance,
    ]),
  );

  writer.footers(`Loan agreement - application ${doc.applicationId} - ${doc.version}`);
  return save(pdf);
}

/**
 * A notice as a PDF: the adverse action notice (the e-mail attachment, the declined page's
 * download) or the credit score disclosure (H-3). Same view and date → the same bytes.
 */
export async function renderNoticePdf(
  view: Pick<AdverseActionNoticeView, "title" | "sections" | "creditorName">,
  issuedAt: Date,
  options: { subject?: string; keywords?: string[] } = {},
): Promise<Uint8Array> {
  assertValidDate(issuedAt, "issuedAt");
  const { pdf, writer } = await newDocument({
    title: view.title,
    subject: options.subject ?? "Notice of action taken (ECOA / Regulation B, FCRA)",
    author: view.creditorName,
    keywords: options.keywords ?? ["adverse action notice"],
    date: issuedAt,
  });
  writer.paragraph(view.title, { font: writer.fonts.bold, size: 16, after: 2 });
  writer.paragraph(`Date of this notice: ${issuedAt.toISOString().slice(0, 10)}`, {
    size: 9,
    color: grey,
    after: 12,
  });
  for (const section of view.sections) {
    writer.heading(section.heading, 11);
    for (const line of section.lines) {
      const item = /^(\d+\.)\s+(.*)$/s.exec(line);
      if (item) writer.numbered(item[1]!, item[2]!);
      else writer.paragraph(line);
    }
    writer.space(6);
  }
  writer.footers(view.title);
  return save(pdf);
}

/** The house PDF writer, for other FlowPay documents (the merchant's monthly statement). */
export {
  Writer as PdfWriter,
  newDocument as newPdfDocument,
  save as savePdf,
  contentWidth as pdfContentWidth,
  grey as pdfGrey,
};
