/**
 * Event-loop probe for a service child (the spawn rows): loaded with
 * `NODE_OPTIONS=--import <this file>` and BENCH_LOOP_PROBE_FILE set, it runs a 1 ms timer on the
 * main thread for the life of the process and records, for every tick, when it fired (wall clock,
 * ms since the epoch, comparable with the suite's clock), how late (ms past its due time) and how
 * long the main thread ran on a CPU since the previous tick (/proc/thread-self/schedstat). A tick
 * is late by as long as the loop was busy with something else, or its thread waited for a CPU
 * (on a machine shared with other work); the CPU time counts only the first. The suite
 * attributes both to the calls it made in that time. Written as JSON when the process exits.
 *
 * Plain JavaScript, not TypeScript: NODE_OPTIONS imports run before `--import tsx`.
 */
import { openSync, readSync, writeFileSync } from "node:fs";
import { isMainThread } from "node:worker_threads";

const file = process.env.BENCH_LOOP_PROBE_FILE;
/** One tick per millisecond: the resolution of Node's timers. */
const TICK_MS = 1;
/** Ticks kept (about 30 minutes of them); the oldest are overwritten after that. */
const CAPACITY = 2_000_000;

if (file && isMainThread) {
  const at = new Float64Array(CAPACITY);
  const late = new Float32Array(CAPACITY);
  const cpu = new Float32Array(CAPACITY);
  // First field: nanoseconds this thread has run on a CPU. Re-read from offset 0 at every tick.
  const schedstat = openSync("/proc/thread-self/schedstat", "r");
  const text = Buffer.alloc(128);
  const runNs = () => Number(text.toString("latin1", 0, readSync(schedstat, text, 0, text.length, 0)).split(" ")[0]);
  let n = 0;
  let due = performance.now() + TICK_MS;
  let ran = runNs();
  const tick = () => {
    const now = performance.now();
    const runNow = runNs();
    const i = n++ % CAPACITY;
    at[i] = performance.timeOrigin + now;
    late[i] = Math.max(0, now - due);
    cpu[i] = (runNow - ran) / 1e6;
    ran = runNow;
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
      ticks.push([Math.round(at[i] * 1000) / 1000, Math.round(late[i] * 1000) / 1000, Math.round(cpu[i] * 1000) / 1000]);
    }
    writeFileSync(file, JSON.stringify({ tickMs: TICK_MS, ticks }));
  });
}
