/**
 * `ptykeep logs --screen ID`: the session's screen as text, for a person reading what an (ended)
 * session last showed. The store sends its latest screen snapshot and the output after it; a
 * headless terminal emulator plays them, and the visible rows are printed, trailing blank rows
 * and trailing spaces left out. Colours and attributes are not printed: it is the text.
 */
import xtermHeadless from "@xterm/headless";
import type { Context } from "./context.js";
import { EXIT } from "./errors.js";
import { readHistory } from "./history.js";

/** Lines the emulator keeps above the screen: none are printed, so none are needed. */
const SCROLLBACK_LINES = 0;

export async function screenText(ctx: Context, id: string): Promise<number> {
  let term: InstanceType<typeof xtermHeadless.Terminal> | undefined;
  const ready = () => new Promise<void>((resolve) => term!.write("", resolve));
  try {
    for await (const ev of readHistory(ctx.conn, { sessionId: id, fromScreen: true })) {
      if (ev.start) {
        term = new xtermHeadless.Terminal({ rows: ev.start.rows, cols: ev.start.cols, scrollback: SCROLLBACK_LINES, allowProposedApi: true, logLevel: "off" });
        if (ev.start.screenStatus !== "SCREEN_STATUS_SNAPSHOT") ctx.stderr.write(`ptykeep: ${ev.start.screenDetail || "no screen snapshot"}\n`);
      } else if (ev.screen && term) {
        term.resize(ev.screen.cols, ev.screen.rows);
        term.write(ev.screen.data);
      } else if (ev.output && term) {
        term.write(ev.output.data);
      } else if (ev.resize && term) {
        await ready();
        term.resize(ev.resize.cols, ev.resize.rows);
      }
    }
    if (!term) return EXIT.OK;
    await ready();
    const buf = term.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < term.rows; y++) lines.push(buf.getLine(buf.viewportY + y)?.translateToString(true) ?? "");
    while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
    ctx.stdout.write(lines.map((l) => l + "\n").join(""));
    return EXIT.OK;
  } finally {
    term?.dispose();
  }
}
