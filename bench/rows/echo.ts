/**
 * Rows 4, 4b and 5: keystroke echo latency. A program echoes what is typed (raw terminal, `cat`);
 * row 4 sends one byte with the unary Write and times until that byte arrives on an Attach
 * stream; row 4b sends it as input on an Interact stream and times until it comes back on the
 * same stream (acknowledging output as it arrives, as a gateway does). Their keystrokes alternate,
 * on two sessions, so both see the same load; both are set against bare node-pty write() -> onData
 * on the same program, in the same run. Row 5 repeats the Write measurement
 * while another session floods its terminal as fast as the system takes it.
 */
import type { PtyApi, PtyServiceClient, StoreApi } from "@ptykeep/proto";
import { ECHO_KEYS, READY_MARK } from "../lib/bare-pty.js";
import { programs, runBare } from "../lib/programs.js";
import { fmt, ratio, type RowResult, type RunContext } from "../lib/result.js";
import type { BenchSystem } from "../lib/system.js";
import { delay, quantile, rpc, waitFor } from "../lib/util.js";
import { discardSession } from "./throughput.js";

const ECHO = Object.freeze({
  /** Pause between keystrokes: a fast typist, and time for each echo to settle. */
  INTERVAL_MS: 10,
  /** Keystrokes per measurement. */
  COUNT: { quick: 200, full: 600 },
  /** Absolute limit on p99 (row 4's target). */
  P99_LIMIT_MS: 5,
  /** One keystroke that takes longer than this is a failure, not a sample. */
  KEY_TIMEOUT_MS: 10_000,
  /** The flood must be writing this much durable output before row 5 starts measuring. */
  FLOOD_WARM_BYTES: 4 * 1024 * 1024,
});

/** How a keystroke goes in: a unary Write (echo seen on Attach), or input on an Interact stream (echo on it). */
type EchoPath = "write" | "interact";

/** One echo session and its stream, ready to time keystrokes one at a time. */
export interface EchoProbe {
  /** Types keystroke i and resolves with the ms until its echo arrived. */
  key(i: number): Promise<number>;
  /** When each Write call returned (Write path only), ms after it was sent. */
  writeReturnedMs: number[];
  close(): Promise<void>;
}

/**
 * Starts an echo program through `client` and opens its stream; `discard` ends the session when
 * the probe is closed.
 */
export async function openEcho(client: PtyServiceClient, path: EchoPath, discard: (sessionId: string) => Promise<void>): Promise<EchoProbe & { sessionId: string }> {
  const { sessionId } = await rpc<PtyApi.SpawnResponse__Output>(client, "Spawn", { ...programs.echo(), rows: 24, cols: 80 });
  const interactive = path === "interact" ? client.Interact() : undefined;
  const stream = interactive ?? client.Attach({ sessionId, fromSeq: 0 });
  let waiting: { key: number; resolve: () => void } | undefined;
  let ready: () => void = () => {};
  const readyP = new Promise<void>((resolve) => (ready = resolve));
  let failed: Error | undefined;
  stream.on("data", (m: PtyApi.AttachResponse__Output) => {
    const data = m.output?.data;
    if (!data) return;
    if (data.includes(READY_MARK.charCodeAt(0))) ready();
    if (waiting && data.includes(waiting.key)) {
      const w = waiting;
      waiting = undefined;
      w.resolve();
    }
    // A gateway acknowledges what its viewer rendered; here, everything as it arrives.
    interactive?.write({ ackSeq: m.output!.seq });
  });
  stream.on("error", (err) => (failed = err));
  interactive?.write({ open: { sessionId, fromSeq: 0 } });
  const close = async () => {
    stream.cancel();
    await discard(sessionId);
  };
  try {
    await Promise.race([readyP, delay(ECHO.KEY_TIMEOUT_MS).then(() => Promise.reject(new Error("echo program never became ready")))]);
  } catch (err) {
    await close();
    throw err;
  }
  const writeReturnedMs: number[] = [];
  return {
    sessionId,
    writeReturnedMs,
    close,
    key: async (i) => {
      if (failed) throw failed;
      const key = ECHO_KEYS.charCodeAt(i % ECHO_KEYS.length);
      const seen = new Promise<void>((resolve) => (waiting = { key, resolve }));
      const timeout = delay(ECHO.KEY_TIMEOUT_MS).then(() => Promise.reject(new Error(`keystroke ${i} not echoed (${path})`)));
      const t0 = performance.now();
      if (interactive) {
        interactive.write({ input: Buffer.from([key]) });
        await Promise.race([seen, timeout]);
      } else {
        await Promise.all([
          rpc(client, "Write", { sessionId, data: Buffer.from([key]) }).then(() => writeReturnedMs.push(performance.now() - t0)),
          Promise.race([seen, timeout]),
        ]);
      }
      // The byte seen coming back is the measurement; a Write reply may come before or after it.
      return performance.now() - t0;
    },
  };
}

/**
 * Typed echo through ptykeep, on each path given, keystrokes alternating between the paths (so
 * that both see the same load on a shared machine). Samples in ms per path, and when each Write
 * call returned.
 */
async function ptykeepEcho(sys: BenchSystem, count: number, paths: EchoPath[]): Promise<{ samples: Record<EchoPath, number[]>; writeReturnedMs: number[] }> {
  const probes: Array<[EchoPath, EchoProbe]> = [];
  try {
    for (const path of paths) probes.push([path, await openEcho(sys.ptyClient, path, (id) => discardSession(sys, id))]);
    const samples: Record<EchoPath, number[]> = { write: [], interact: [] };
    for (let i = 0; i < count; i++) {
      for (const [path, probe] of probes) {
        samples[path].push(await probe.key(i));
        await delay(ECHO.INTERVAL_MS);
      }
    }
    return { samples, writeReturnedMs: probes.find(([p]) => p === "write")?.[1].writeReturnedMs ?? [] };
  } finally {
    for (const [, probe] of probes) await probe.close();
  }
}

function summary(samples: number[]): { p50: number; p99: number; max: number } {
  return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99), max: Math.max(...samples) };
}

export async function runEcho(sys: BenchSystem, ctx: RunContext, floodFile: string): Promise<RowResult[]> {
  const count = ctx.quick ? ECHO.COUNT.quick : ECHO.COUNT.full;
  const bareR = await runBare({ mode: "echo", ...programs.echo(), cwd: sys.dir, count, intervalMs: ECHO.INTERVAL_MS });
  if (bareR.mode !== "echo") throw new Error("unexpected bare result");
  const bare = summary(bareR.samplesMs);
  ctx.log(`  row 4: bare echo p50 ${fmt(bare.p50, 2)} p99 ${fmt(bare.p99, 2)} ms`);
  const { samples: both, writeReturnedMs } = await ptykeepEcho(sys, count, ["write", "interact"]);
  const [idleSamples, streamSamples] = [both.write, both.interact];
  const idle = summary(idleSamples);
  ctx.log(`  row 4: ptykeep echo (Write) p50 ${fmt(idle.p50, 2)} p99 ${fmt(idle.p99, 2)} ms`);
  const stream = summary(streamSamples);
  ctx.log(`  row 4b: ptykeep echo (Interact) p50 ${fmt(stream.p50, 2)} p99 ${fmt(stream.p99, 2)} ms`);

  // Row 5: another session floods while we type.
  const { sessionId: flood } = await rpc<PtyApi.SpawnResponse__Output>(sys.ptyClient, "Spawn", { ...programs.flood(floodFile), rows: 24, cols: 80 });
  let loaded: { p50: number; p99: number; max: number };
  let floodMBs = Number.NaN;
  let loadedSamples: number[];
  try {
    await waitFor(
      "the flood to be writing",
      async () => {
        const s = (await rpc<StoreApi.GetSessionResponse__Output>(sys.storeClient, "GetSession", { sessionId: flood })).session!;
        return Number(s.durableBytes) >= ECHO.FLOOD_WARM_BYTES ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    const before = (await rpc<StoreApi.GetSessionResponse__Output>(sys.storeClient, "GetSession", { sessionId: flood })).session!;
    const t0 = performance.now();
    loadedSamples = (await ptykeepEcho(sys, count, ["write"])).samples.write;
    const after = (await rpc<StoreApi.GetSessionResponse__Output>(sys.storeClient, "GetSession", { sessionId: flood })).session!;
    floodMBs = (Number(after.durableBytes) - Number(before.durableBytes)) / 1e6 / ((performance.now() - t0) / 1000);
    loaded = summary(loadedSamples);
    ctx.log(`  row 5: ptykeep echo under flood (${fmt(floodMBs)} MB/s durable) p50 ${fmt(loaded.p50, 2)} p99 ${fmt(loaded.p99, 2)} ms`);
  } finally {
    await discardSession(sys, flood);
  }
  const r4 = idle.p99 / bare.p99;
  const r4b = stream.p99 / bare.p99;
  const r5 = loaded.p99 / idle.p99;
  return [
    {
      id: "4",
      title: "keystroke echo latency, Write → byte on Attach (p50 / p99)",
      measured: `${fmt(idle.p50, 2)} / ${fmt(idle.p99, 2)} ms`,
      baseline: `${fmt(bare.p50, 2)} / ${fmt(bare.p99, 2)} ms bare node-pty write→onData`,
      ratio: `p99 ${ratio(r4)}`,
      target: `p99 ≤ 2× and ≤ ${ECHO.P99_LIMIT_MS} ms`,
      met: r4 <= 2 && idle.p99 <= ECHO.P99_LIMIT_MS,
      notes: [
        `${count} keystrokes ${ECHO.INTERVAL_MS} ms apart (alternating with row 4b's), one byte each, program \`stty raw -echo; cat\`; max ${fmt(idle.max, 2)} ms (bare ${fmt(bare.max, 2)} ms). The ptykeep figure includes two gRPC hops (Write in, Attach out) that the in-process baseline does not have; the Write call alone returned after p50 ${fmt(quantile(writeReturnedMs, 0.5), 2)} ms, p99 ${fmt(quantile(writeReturnedMs, 0.99), 2)} ms.`,
      ],
      data: { bare, idle, bareSamplesMs: bareR.samplesMs, idleSamplesMs: idleSamples, writeReturnedMs, count },
    },
    {
      id: "4b",
      title: "keystroke echo latency, input → byte on one Interact stream (p50 / p99)",
      measured: `${fmt(stream.p50, 2)} / ${fmt(stream.p99, 2)} ms`,
      baseline: `${fmt(bare.p50, 2)} / ${fmt(bare.p99, 2)} ms bare node-pty write→onData`,
      ratio: `p99 ${ratio(r4b)} (p50 ${ratio(stream.p50 / bare.p50)}); vs Write p99 ${ratio(stream.p99 / idle.p99)}, p50 ${ratio(stream.p50 / idle.p50)}`,
      target: `p99 ≤ 2× and ≤ ${ECHO.P99_LIMIT_MS} ms`,
      met: r4b <= 2 && stream.p99 <= ECHO.P99_LIMIT_MS,
      notes: [
        `The same ${count} keystrokes and program as row 4, alternating with row 4's keystrokes on a second session so both see the same load; each sent as an input message on an Interact stream opened once, its echo timed on that stream, every output chunk acknowledged (ack_seq) as it arrives; max ${fmt(stream.max, 2)} ms. One HTTP/2 stream both ways: no call set up per keystroke.`,
      ],
      data: { stream, streamSamplesMs: streamSamples, count },
    },
    {
      id: "5",
      title: "echo latency while another session floods output",
      measured: `${fmt(loaded.p50, 2)} / ${fmt(loaded.p99, 2)} ms (p50 / p99)`,
      baseline: `${fmt(idle.p50, 2)} / ${fmt(idle.p99, 2)} ms row 4 idle`,
      ratio: `p99 ${ratio(r5)}`,
      target: "p99 ≤ 4× idle",
      met: r5 <= 4,
      notes: [`The flooding session loops \`cat\` of the realistic corpus; it was made durable at ${fmt(floodMBs)} MB/s while the keystrokes ran. Max ${fmt(loaded.max, 2)} ms.`],
      data: { loaded, loadedSamplesMs: loadedSamples, floodMBs },
    },
  ];
}
