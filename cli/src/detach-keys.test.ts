import { describe, expect, it } from "vitest";
import { DetachDetector, describeDetachKeys, parseDetachKeys } from "./detach-keys.js";

describe("parseDetachKeys", () => {
  it("reads ctrl-X, C-X, ^X and plain keys", () => {
    expect([...parseDetachKeys("ctrl-],d")]).toEqual([0x1d, 0x64]);
    expect([...parseDetachKeys("C-b d")]).toEqual([0x02, 0x64]);
    expect([...parseDetachKeys("^P,^Q")]).toEqual([0x10, 0x11]);
    expect([...parseDetachKeys("ctrl-?")]).toEqual([0x7f]);
    expect(describeDetachKeys(parseDetachKeys("ctrl-],d"))).toBe("ctrl-] d");
  });

  it("rejects what cannot be typed as one key", () => {
    expect(() => parseDetachKeys("")).toThrow(/empty/);
    expect(() => parseDetachKeys("ctrl-1")).toThrow(/no such control key/);
    expect(() => parseDetachKeys("abc")).toThrow(/not a single/);
    expect(() => parseDetachKeys("é")).toThrow(/not a single/);
  });
});

describe("DetachDetector", () => {
  const keys = Buffer.from([0x1d, 0x64]); // ctrl-] d
  const push = (d: DetachDetector, s: string | number[]) => {
    const r = d.push(Buffer.from(s as never));
    return { forward: r.forward.toString("latin1"), detach: r.detach };
  };

  it("passes ordinary keys through untouched", () => {
    const d = new DetachDetector(keys);
    expect(push(d, "ls -l\r")).toEqual({ forward: "ls -l\r", detach: false });
  });

  it("detaches on the sequence, also when split across reads, keeping what came before", () => {
    const d = new DetachDetector(keys);
    expect(push(d, "ab\x1d")).toEqual({ forward: "ab", detach: false });
    expect(push(d, "dzz")).toEqual({ forward: "", detach: true });
    const e = new DetachDetector(keys);
    expect(push(e, "x\x1dd")).toEqual({ forward: "x", detach: true });
  });

  it("sends a held ctrl-] with the next key when it is not the sequence", () => {
    const d = new DetachDetector(keys);
    expect(push(d, "\x1d")).toEqual({ forward: "", detach: false });
    expect(push(d, "x")).toEqual({ forward: "\x1dx", detach: false });
    // A second ctrl-] may itself start the sequence.
    expect(push(d, "\x1d\x1dd")).toEqual({ forward: "\x1d", detach: true });
  });

  it("works with a one-key sequence", () => {
    const d = new DetachDetector(Buffer.from([0x1d]));
    expect(push(d, "ab\x1dcd")).toEqual({ forward: "ab", detach: true });
  });
});
