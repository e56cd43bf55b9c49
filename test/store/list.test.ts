/** ListSessions: filters by state, node and labels; newest first; paging without loss or repeats. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uuidv7, type StoreApi } from "@ptykeep/proto";
import { register, startStoreFixture, unaryCall } from "./helpers.js";

let fx: Awaited<ReturnType<typeof startStoreFixture>>;
beforeAll(async () => {
  fx = await startStoreFixture("store_list");
});
afterAll(async () => {
  await fx?.close();
  await fx?.dropDb();
});

const list = (req: StoreApi.ListSessionsRequest) => unaryCall<StoreApi.ListSessionsRequest, StoreApi.ListSessionsResponse__Output>(fx.client, "ListSessions", req);

async function listAll(req: StoreApi.ListSessionsRequest): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let token = "";
  let pages = 0;
  do {
    const page = await list({ ...req, pageToken: token });
    pages++;
    ids.push(...page.sessions.map((s) => s.sessionId));
    token = page.nextPageToken;
    if (pages > 100) throw new Error("paging does not end");
  } while (token);
  return { ids, pages };
}

describe("ListSessions", () => {
  it("pages through everything newest first, each session once", async () => {
    const batch = uuidv7();
    const created: string[] = [];
    // Ids minted from increasing clock values so creation order is unambiguous.
    const t0 = Date.now();
    for (let i = 0; i < 25; i++) {
      const id = uuidv7(t0 + i);
      created.push(id);
      await register(fx.client, { sessionId: id, labels: { batch } });
    }
    const { ids, pages } = await listAll({ labels: { batch }, pageSize: 10 });
    expect(pages).toBe(3);
    expect(ids).toEqual([...created].reverse());
    const exact = await listAll({ labels: { batch }, pageSize: 25 });
    expect(exact.pages).toBe(1);
    // Default page size applies when 0 is given.
    expect((await list({ labels: { batch } })).sessions).toHaveLength(25);
  });

  it("filters by state, node and all given labels", async () => {
    const tag = uuidv7();
    const a = (await register(fx.client, { ptyNode: "10.0.0.1:50051", labels: { tag, user: "ann", team: "x" } })).session!.sessionId;
    const b = (await register(fx.client, { ptyNode: "10.0.0.2:50051", labels: { tag, user: "bob", team: "x" } })).session!.sessionId;
    const c = (await register(fx.client, { ptyNode: "10.0.0.1:50051", labels: { tag, user: "ann", team: "y" } })).session!.sessionId;
    await unaryCall(fx.client, "MarkRunning", { sessionId: b, pid: 2 });
    await unaryCall(fx.client, "MarkRunning", { sessionId: c, pid: 3 });
    await unaryCall(fx.client, "MarkExited", { sessionId: c, exitCode: 1, finalSeq: 0, reason: "END_REASON_EXITED" });

    const ids = async (req: StoreApi.ListSessionsRequest) => new Set((await listAll({ ...req, labels: { tag, ...req.labels } })).ids);
    expect(await ids({})).toEqual(new Set([a, b, c]));
    expect(await ids({ states: ["SESSION_STATE_RUNNING"] })).toEqual(new Set([b]));
    expect(await ids({ states: ["SESSION_STATE_STARTING", "SESSION_STATE_EXITED"] })).toEqual(new Set([a, c]));
    expect(await ids({ ptyNode: "10.0.0.1:50051" })).toEqual(new Set([a, c]));
    expect(await ids({ labels: { user: "ann" } })).toEqual(new Set([a, c]));
    expect(await ids({ labels: { user: "ann", team: "x" } })).toEqual(new Set([a]));
    expect(await ids({ labels: { user: "nobody" } })).toEqual(new Set());
    expect(await ids({ ptyNode: "10.0.0.1:50051", states: ["SESSION_STATE_EXITED"] })).toEqual(new Set([c]));
    const [sa] = (await list({ labels: { tag, user: "ann", team: "x" } })).sessions;
    expect(sa).toMatchObject({ sessionId: a, labels: { tag, user: "ann", team: "x" }, ptyNode: "10.0.0.1:50051" });
  });
});
