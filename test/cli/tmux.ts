/**
 * A real terminal for the interactive CLI tests: a tmux server on a private socket running a
 * plain bash, driven with send-keys and read with capture-pane. Waits poll the screen with a
 * bounded deadline.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";

const run = promisify(execFile);

export const SCREEN_TIMEOUT_MS = 20_000;
/** How often the screen is captured while waiting (each capture is a tmux round trip). */
const POLL_MS = 50;

export class Tmux {
  readonly socket = `ptykeep-cli-${process.pid}-${randomBytes(4).toString("hex")}`;
  private readonly target = "t";

  private tmux(...args: string[]) {
    return run("tmux", ["-L", this.socket, "-f", "/dev/null", ...args]);
  }

  /** Starts `command` (argv) in a detached session of the given size. */
  async start(opts: { cols: number; rows: number; env: Record<string, string>; command: string[] }): Promise<void> {
    const envArgs = Object.entries(opts.env).map(([k, v]) => `${k}=${v}`);
    await this.tmux("new-session", "-d", "-s", this.target, "-x", String(opts.cols), "-y", String(opts.rows), "env", "-i", ...envArgs, ...opts.command);
  }

  /** Types literal text (no key names), then optionally Enter. */
  async type(text: string, enter = true): Promise<void> {
    await this.tmux("send-keys", "-t", this.target, "-l", text);
    if (enter) await this.tmux("send-keys", "-t", this.target, "Enter");
  }

  /** Sends tmux key names, e.g. "C-]" or "d". */
  async keys(...keys: string[]): Promise<void> {
    await this.tmux("send-keys", "-t", this.target, ...keys);
  }

  async screen(): Promise<string> {
    const { stdout } = await this.tmux("capture-pane", "-p", "-J", "-t", this.target, "-S", "-200");
    return stdout;
  }

  /** Resolves with the screen once `test` matches it; fails with the last screen after the deadline. */
  async waitFor(test: RegExp | ((screen: string) => boolean), what: string, timeoutMs = SCREEN_TIMEOUT_MS): Promise<string> {
    const matches = typeof test === "function" ? test : (s: string) => test.test(s);
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
      last = await this.screen();
      if (matches(last)) return last;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    throw new Error(`timed out waiting for ${what}; screen:\n${last}`);
  }

  /** Terminal modes of the pane, as tmux tracks them from the output it was sent. */
  async modes(): Promise<{ mouse: boolean; cursorVisible: boolean; altScreen: boolean }> {
    const { stdout } = await this.tmux("display-message", "-p", "-t", this.target, "#{mouse_standard_flag} #{cursor_flag} #{alternate_on}");
    const [mouse, cursor, alt] = stdout.trim().split(" ");
    return { mouse: mouse === "1", cursorVisible: cursor === "1", altScreen: alt === "1" };
  }

  /** Pids of the processes the pane's shell started (the command running in the foreground). */
  async foregroundPids(): Promise<number[]> {
    const { stdout } = await this.tmux("display-message", "-p", "-t", this.target, "#{pane_pid}");
    const children = await run("pgrep", ["-P", stdout.trim()]).catch(() => ({ stdout: "" }));
    return children.stdout.split("\n").filter(Boolean).map(Number);
  }

  async resize(cols: number, rows: number): Promise<void> {
    await this.tmux("resize-window", "-t", this.target, "-x", String(cols), "-y", String(rows));
  }

  async kill(): Promise<void> {
    await this.tmux("kill-server").catch(() => {});
  }
}
