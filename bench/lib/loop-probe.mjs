/**
 * Event-loop probe for a service child (the spawn rows): loaded with
 * `NODE_OPTIONS=--import <this file>` and BENCH_LOOP_PROBE_FILE set, it runs a 1 ms timer on the
 * main thread for the life of the process and records, for every tick, when it fired (wall clock,
 * ms since the epoch, comparable with the suite's clock) and how late (ms past its due time). A
 * tick is late by as long as the loop was busy with something else: the blocks the suite
 * attributes to the calls it made in that time. Written as JSON when the process exits.
 *
 * Plain JavaScript, not TypeScript: NODE_OPTIONS imports run before `--import tsx`.
 */
import { writeFileSync } from "node:fs";
import { isMainThread } from "node:worker_threads";

const file = process.env.BENCH_LOOP_PROBE_FILE;
/** One tick per millisecond: the resolution of Node's timers. */
const TICK_MS = 1;
/** Ticks kept (about 30 minutes of them); the oldest are overwritten after that. */
const CAPACITY = 2_000_000;

if (file && isMainThread) {
  const at = new Float64Array(CAPACITY);
  const late = new Float32Array(CAPACITY);
  let n = 0;
  let due = performance.now() + TICK_MS;
  const tick = () => {
    const now = performance.now();
    const i = n++ % CAPACITY;
    at[i] = performance.timeOrigin + now;
    late[i] = Math.max(0, now - due);
    due = now + TICK_MS;
    setTimeout(tick, TICK_MS).unref();
  };
  setTimeout(tick, TICK_MS).unref();
  process.on("exit", () => {
    const count = Math.min(n, CAPACITY);
    const start = n > CAPACITY ? n % CAPACITY : 0;
    const ticks = [];
    for (let k = 0; k < count; k++) {
      const i = (start + k) % CAPACITY;
      ticks.push([Math.round(at[i] * 1000) / 1000, Math.round(late[i] * 1000) / 1000]);
    }
    writeFileSync(file, JSON.stringify({ tickMs: TICK_MS, ticks }));
  });
}
