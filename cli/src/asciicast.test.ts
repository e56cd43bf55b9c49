import { describe, expect, it } from "vitest";
import { AsciicastEncoder, formatSeconds, shellJoin } from "./asciicast.js";

const ts = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });
const START = 1_700_000_000_000;

describe("AsciicastEncoder", () => {
  it("writes a v2 header and timed events, one JSON value per line", () => {
    const enc = new AsciicastEncoder(START * 1000);
    const lines = [
      enc.header({ width: 80, height: 24, timestamp: START / 1000, command: "bash" }),
      enc.output(ts(START + 250), Buffer.from("hi\r\n")),
      enc.resize(ts(START + 1500), 30, 100),
    ];
    expect(lines.map((l) => JSON.parse(l!))).toEqual([
      { version: 2, width: 80, height: 24, timestamp: START / 1000, command: "bash" },
      [0.25, "o", "hi\r\n"],
      [1.5, "r", "100x30"],
    ]);
    expect(lines.every((l) => l!.endsWith("\n") && l!.indexOf("\n") === l!.length - 1)).toBe(true);
  });

  it("carries a character split across chunks over to the next event", () => {
    const enc = new AsciicastEncoder(START * 1000);
    const euro = Buffer.from("€"); // e2 82 ac
    expect(enc.output(ts(START), Buffer.concat([Buffer.from("a"), euro.subarray(0, 1)]))).toBe('[0, "o", "a"]\n');
    expect(enc.output(ts(START + 1), euro.subarray(1, 2))).toBeUndefined();
    expect(JSON.parse(enc.output(ts(START + 2), Buffer.concat([euro.subarray(2), Buffer.from("b")]))!)).toEqual([0.002, "o", "€b"]);
  });

  it("concatenated output equals one UTF-8 decoding of all bytes, invalid bytes as U+FFFD", () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("héllo ✓ 🙂"), Buffer.from([0xff, 0xc3, 0x28, 0xe2, 0x82])]);
    const enc = new AsciicastEncoder(START * 1000);
    let text = "";
    for (let i = 0; i < bytes.length; i += 3) {
      const line = enc.output(ts(START + i), bytes.subarray(i, i + 3));
      if (line) text += JSON.parse(line)[2];
    }
    const tail = enc.finish();
    if (tail) text += JSON.parse(tail)[2];
    expect(text).toBe(new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes));
    expect(text.startsWith("\ufeff")).toBe(true);
    expect(text.endsWith("\ufffd(\ufffd")).toBe(true);
  });

  it("never lets time go backwards and clamps events before the start to 0", () => {
    const enc = new AsciicastEncoder(START * 1000);
    const t = (line: string | undefined) => JSON.parse(line!)[0] as number;
    expect(t(enc.output(ts(START - 500), Buffer.from("a")))).toBe(0);
    expect(t(enc.output(ts(START + 2000), Buffer.from("b")))).toBe(2);
    expect(t(enc.output(ts(START + 1000), Buffer.from("c")))).toBe(2);
    expect(t(enc.resize(null, 10, 10))).toBe(2);
  });
});

describe("formatSeconds / shellJoin", () => {
  it("formats microseconds without exponents or trailing zeros", () => {
    expect(formatSeconds(0)).toBe("0");
    expect(formatSeconds(1)).toBe("0.000001");
    expect(formatSeconds(100_000_000)).toBe("100");
    expect(formatSeconds(1_234_500)).toBe("1.2345");
  });

  it("quotes words a shell would split", () => {
    expect(shellJoin("bash", ["-c", "echo it's"])).toBe(`bash -c 'echo it'\\''s'`);
    expect(shellJoin("ls", ["-l", "/tmp", ""])).toBe("ls -l /tmp ''");
  });
});
