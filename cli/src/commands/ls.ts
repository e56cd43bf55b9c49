/** `ptykeep ls`: sessions from the store (works while the pty-service is down), newest first. */
import { SESSION_STATE_ENUM, type StoreApi } from "@ptykeep/proto/client";
import type { StateFilter } from "../args.js";
import type { Context } from "../context.js";
import { EXIT } from "../errors.js";
import { SESSION_COLUMNS, formatTable, sessionJson, sessionRow } from "../table.js";

export const LIST = Object.freeze({
  /** The store's largest page: fewer round trips for long lists. */
  PAGE_SIZE: 1000,
});

export async function lsCommand(ctx: Context, cmd: { states: StateFilter[]; labels: Record<string, string>; json: boolean }): Promise<number> {
  const { conn, stdout } = ctx;
  const store = conn.storeClient();
  const sessions: StoreApi.Session__Output[] = [];
  let pageToken = "";
  do {
    const res = await conn.unary("store-service", store, "ListSessions", {
      states: cmd.states.map((s) => SESSION_STATE_ENUM[s]),
      labels: cmd.labels,
      pageSize: LIST.PAGE_SIZE,
      pageToken,
    });
    if (cmd.json) for (const s of res.sessions) stdout.write(`${JSON.stringify(sessionJson(s))}\n`);
    else sessions.push(...res.sessions);
    pageToken = res.nextPageToken;
  } while (pageToken);
  if (!cmd.json) {
    const now = Date.now();
    stdout.write(formatTable(SESSION_COLUMNS, sessions.map((s) => sessionRow(s, now))));
  }
  return EXIT.OK;
}
