import { describe, expect, it } from "vitest";
import { interpretEscapes } from "./escapes.js";

describe("interpretEscapes", () => {
  it("turns escapes into the bytes a keyboard would send", () => {
    expect([...interpretEscapes("ls\\r")]).toEqual([...Buffer.from("ls\r")]);
    expect([...interpretEscapes("\\x03\\e[A\\t\\\\")]).toEqual([0x03, 0x1b, 0x5b, 0x41, 0x09, 0x5c]);
  });

  it("sends text as UTF-8 and \\xHH as a raw byte (invalid UTF-8 on purpose)", () => {
    expect(interpretEscapes("é\\u00e9").equals(Buffer.from("éé"))).toBe(true);
    expect([...interpretEscapes("\\xff\\xc3")]).toEqual([0xff, 0xc3]);
  });

  it("rejects escapes it does not know", () => {
    expect(() => interpretEscapes("a\\q")).toThrow(/unknown escape \\q/);
    expect(() => interpretEscapes("\\x3")).toThrow(/two hex digits/);
    expect(() => interpretEscapes("end\\")).toThrow(/lone backslash/);
  });
});
