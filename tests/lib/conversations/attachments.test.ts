import { describe, expect, test } from "bun:test";
import { imageSize, sniff } from "../../../lib/conversations/attachments.ts";

const bytes = (...parts: (string | number[])[]) => new Uint8Array(Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "latin1") : Buffer.from(p)))));

describe("attachment formats by content", () => {
  test("magic bytes win over the extension; text formats by extension", () => {
    expect(sniff(bytes([0xff, 0xd8, 0xff, 0xe0]), ".png")).toEqual({ kind: "image", format: "jpeg" });
    expect(sniff(bytes("GIF89a", [1, 0, 1, 0]), "")).toEqual({ kind: "image", format: "gif" });
    expect(sniff(bytes("RIFF", [0, 0, 0, 0], "WEBPVP8 "), "")).toEqual({ kind: "image", format: "webp" });
    expect(sniff(bytes("%PDF-1.7\n"), ".txt")).toEqual({ kind: "document", format: "pdf" });
    expect(sniff(bytes([0x50, 0x4b, 3, 4], "....word/document.xml"), ".zip")).toEqual({ kind: "document", format: "docx" });
    expect(sniff(bytes([0x50, 0x4b, 3, 4], "....xl/workbook.xml"), "")).toEqual({ kind: "document", format: "xlsx" });
    expect(sniff(bytes([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), ".xls")).toEqual({ kind: "document", format: "xls" });
    expect(sniff(bytes("  <!DOCTYPE html><p>x"), ".txt")).toEqual({ kind: "document", format: "html" });
    expect(sniff(bytes("a,b\n1,2\n"), ".csv")).toEqual({ kind: "document", format: "csv" });
    expect(sniff(bytes("# hi\n"), ".md")).toEqual({ kind: "document", format: "md" });
    expect(sniff(bytes("plain"), ".log")).toEqual({ kind: "document", format: "txt" });
    expect(sniff(bytes([0, 159, 146, 150]), ".txt")).toBeUndefined();
  });

  test("image sizes from their headers", () => {
    const gif = bytes("GIF89a", [0x40, 0x1f, 0x02, 0x00]);
    expect(imageSize(gif, "gif")).toEqual([8000, 2]);
    const jpeg = bytes([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 11, 8, 0, 32, 0, 48, 1, 1, 0x11, 0]);
    expect(imageSize(jpeg, "jpeg")).toEqual([48, 32]);
  });
});
