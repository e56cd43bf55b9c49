/**
 * Attach's waits end when the viewer leaves, including when it left before the wait began: a
 * viewer's live wait, and the wait between retries of a replay from a store that is down.
 */
import { describe, expect, it } from "vitest";
import { createStoreClient, uuidv7 } from "@ptykeep/proto";
import { storeHistory, Viewer } from "./attach.js";

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms).unref())]);
}

describe("Viewer.wait", () => {
  it("returns at once for a viewer that already left", async () => {
    const left = AbortSignal.abort();
    await within(new Viewer(1024).wait(left), 1_000, "wait returned");
  });
});

describe("the store replay's retries", () => {
  it("stop waiting as soon as the viewer leaves", async () => {
    // Nothing listens on port 1: every call fails UNAVAILABLE at once, and the replay waits
    // 100, 200, 400, 800, 1600 ms between tries. 2.2 s in, it is inside the last, longest wait.
    const store = createStoreClient("127.0.0.1:1");
    const viewer = new AbortController();
    try {
      const replay = (async () => {
        for await (const _ of storeHistory(store, uuidv7(), 0, 0, viewer.signal)) void _;
      })();
      const outcome = replay.then(
        () => "ended",
        (err: Error) => err.name,
      );
      const before = await Promise.race([outcome, new Promise<string>((r) => setTimeout(() => r("retrying"), 2_200))]);
      expect(before).toBe("retrying");
      const leftAt = Date.now();
      viewer.abort(new DOMException("viewer left", "AbortError"));
      expect(await outcome).toBe("AbortError");
      // The wait it was in had most of a second to go.
      expect(Date.now() - leftAt).toBeLessThan(400);
    } finally {
      store.close();
    }
  });
});
