/**
 * The start-up check of node-pty: the installed node-pty passes it; a different version, or one
 * without a part the pty-service calls, stops start-up with a message naming what is wrong.
 */
import { describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import { checkNodePty, loadNodePty, type NodePtyParts } from "./pty-fork.js";

const require = createRequire(import.meta.url);
const installed = (): NodePtyParts => {
  const utils = require("node-pty/lib/utils") as { loadNativeModule(name: string): { dir: string; module: Record<string, unknown> } };
  const version = (require("node-pty/package.json") as { version: string }).version;
  return { version, pinned: version, utils, native: utils.loadNativeModule("pty").module, nativePath: "pty.node" };
};

describe("checkNodePty", () => {
  it("accepts the installed node-pty, which is the pinned version", () => {
    expect(() => loadNodePty()).not.toThrow();
    const own = require("../package.json") as { dependencies: Record<string, string> };
    expect(own.dependencies["node-pty"]).toMatch(/^\d+\.\d+\.\d+$/);
    expect(installed().version).toBe(own.dependencies["node-pty"]);
  });

  it("names a version other than the pinned one", () => {
    const parts = installed();
    expect(() => checkNodePty({ ...parts, version: "9.9.9" })).toThrow(`node-pty 9.9.9 is installed, but the pty-service is written against ${parts.pinned} (pinned in pty-service/package.json)`);
  });

  it("names each part it relies on that is missing", () => {
    const parts = installed();
    const { fork: _fork, ...withoutFork } = parts.native as Record<string, unknown>;
    expect(() => checkNodePty({ ...parts, native: withoutFork })).toThrow(/native addon \(pty\.node\) has no fork\(\) function/);
    const { resize: _resize, ...withoutResize } = parts.native as Record<string, unknown>;
    expect(() => checkNodePty({ ...parts, native: withoutResize })).toThrow(/has no resize\(\) function/);
    expect(() => checkNodePty({ ...parts, utils: {}, native: undefined, nativePath: "" })).toThrow(/lib\/utils has no loadNativeModule\(\).*native addon \(not found\) has no fork\(\) function/);
  });
});
