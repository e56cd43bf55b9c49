import { describe, expect, it } from "vitest";
import { USAGE, parseCli, usageOf } from "./args.js";

const ID = "0192f0c4-5b7e-7c3a-9d2e-4f1a2b3c4d5e";
const parse = (line: string[], env: Record<string, string> = {}) => parseCli(line, env);

describe("parseCli", () => {
  it("keeps the program's own flags for run, with or without --", () => {
    const a = parse(["run", "--label", "a=b", "--cwd", "/tmp", "bash", "-l", "--norc"]).command;
    expect(a).toMatchObject({ name: "run", program: "bash", args: ["-l", "--norc"], labels: { a: "b" }, cwd: "/tmp", detach: false });
    const b = parse(["run", "-d", "--", "ls", "--color"]).command;
    expect(b).toMatchObject({ name: "run", program: "ls", args: ["--color"], detach: true });
  });

  it("takes addresses before or after the command", () => {
    expect(parse(["--pty", "127.0.0.1:1", "ls"]).addresses).toEqual({ pty: "127.0.0.1:1", store: undefined });
    expect(parse(["ls", "--store", "127.0.0.1:2"]).addresses).toEqual({ pty: undefined, store: "127.0.0.1:2" });
  });

  it("parses attach, logs, export, kill, write and resize", () => {
    expect(parse(["attach", ID, "--tail", "64k", "--read-only"]).command).toMatchObject({ name: "attach", id: ID, fromSeq: 0, tailBytes: 65536, readOnly: true });
    expect(parse(["logs", ID, "--from", "5", "-f"]).command).toMatchObject({ name: "logs", fromSeq: 5, follow: true, raw: false });
    expect(parse(["export", ID, "--format", "asciicast"]).command).toMatchObject({ name: "export", format: "asciicast" });
    expect(parse(["kill", ID, "--signal", "int"]).command).toMatchObject({ name: "kill", signal: "SIGINT" });
    expect(parse(["kill", ID, "-s", "9"]).command).toMatchObject({ name: "kill", signal: "SIGKILL" });
    expect(parse(["write", ID, "echo hi\\r"]).command).toMatchObject({ name: "write", data: Buffer.from("echo hi\r") });
    expect(parse(["write", ID, "-"]).command).toMatchObject({ name: "write", data: "stdin" });
    expect(parse(["resize", ID, "30", "100"]).command).toMatchObject({ name: "resize", rows: 30, cols: 100 });
  });

  it("maps --state words to store states; running includes starting; all means no filter", () => {
    expect(parse(["ls", "--state", "running"]).command).toMatchObject({ states: ["starting", "running"] });
    expect(parse(["ls", "--state", "exited,lost", "--state", "killed"]).command).toMatchObject({ states: ["exited", "lost", "killed"] });
    expect(parse(["ls", "--state", "all", "--json"]).command).toMatchObject({ states: [], json: true });
  });

  it("reads detach keys from the flag, then PTYKEEP_DETACH_KEYS, then the default", () => {
    expect(parse(["attach", ID]).command).toMatchObject({ detachKeys: Buffer.from([0x1d, 0x64]) });
    expect(parse(["attach", ID], { PTYKEEP_DETACH_KEYS: "ctrl-b,d" }).command).toMatchObject({ detachKeys: Buffer.from([0x02, 0x64]) });
    expect(parse(["attach", ID, "--detach-keys", "ctrl-a"], { PTYKEEP_DETACH_KEYS: "ctrl-b,d" }).command).toMatchObject({ detachKeys: Buffer.from([0x01]) });
  });

  it("explains usage mistakes", () => {
    const bad: Array<[string[], RegExp]> = [
      [[], /no command/],
      [["frobnicate"], /unknown command "frobnicate"/],
      [["ls", "--bogus"], /Unknown option '--bogus'/],
      [["attach"], /attach needs ID/],
      [["attach", "nope"], /"nope" is not a session id/],
      [["attach", ID, "--from", "1", "--tail", "2"], /attach takes one of --history, --from and --tail/],
      [["attach", ID, "--history", "--tail", "2"], /attach takes one of --history, --from and --tail/],
      [["attach", ID, "--from", "0"], /--from must be a whole number of 1 or more/],
      [["attach", ID, "--tail", "lots"], /byte count/],
      [["resize", ID, "0", "80"], /ROWS must be a whole number from 1 to 1000/],
      [["kill", ID, "--signal", "SIGNOPE"], /not a signal name/],
      [["ls", "--state", "sleeping"], /--state "sleeping"/],
      [["ls", "--label", "novalue"], /--label takes KEY=VALUE/],
      [["run"], /run needs a program/],
      [["export", ID, "--format", "gif"], /only format is asciicast/],
      [["write", ID, "a\\q"], /unknown escape/],
      [["attach", ID, "--detach-keys", ""], /empty/],
      [["logs", ID, "extra"], /unexpected argument "extra"/],
    ];
    for (const [argv, message] of bad) expect(() => parse(argv), argv.join(" ")).toThrow(message);
  });

  it("answers --help anywhere", () => {
    expect(parse(["--help"]).command).toEqual({ name: "help" });
    expect(parse(["ls", "-h"]).command).toEqual({ name: "help", topic: "ls" });
    expect(parse(["help", "attach"]).command).toEqual({ name: "help", topic: "attach" });
  });

  it("help COMMAND and COMMAND --help show that command's part of the usage, help with an unknown command says so", () => {
    const ls = usageOf("ls");
    expect(ls).toMatch(/^Usage: ptykeep \[--pty ADDR\] \[--store ADDR\] ls /);
    expect(ls).not.toContain("  attach ID");
    expect(ls).toContain("ptykeep --help");
    expect(usageOf("attach")).toContain("--detach-keys");
    expect(usageOf(undefined)).toBe(USAGE);
    expect(() => parse(["help", "nope"])).toThrow(/unknown command "nope"; commands are run, /);
  });
});
