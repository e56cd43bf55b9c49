/**
 * The pty-service's fork thread: a worker_thread (started by src/pty-fork.ts) that starts each
 * program in a new terminal with node-pty's native fork, so that the fork never runs on the
 * event loop. fork() of the whole service copies its page tables, tens of milliseconds on a
 * service of a few hundred MB; on this thread that time holds up no session's output, acks or
 * keystrokes. The main thread gets back the PTY master's fd number and the pid (fds belong to
 * the process, not to a thread), reads and writes the master itself, and gets the exit status
 * from here: node-pty reports it on the thread that forked.
 *
 * One request at a time, in order. That is what makes the close-on-exec sweep complete: node-pty
 * opens the master and the terminal side without close-on-exec (the terminal side only until
 * forkpty closes it in the parent), and Node opens every fd of its own close-on-exec, so the
 * only fds a program could inherit by mistake are earlier programs' masters and the fds the
 * service inherited. Forks never overlap here and the sweep runs right before each one on this
 * same thread, so it covers every master opened before (whichever thread opened anything else,
 * Node opened it close-on-exec). Nothing else in the service forks, so a master left without
 * close-on-exec until the next sweep reaches no program.
 *
 * Plain JavaScript (not TypeScript): it runs as a worker both under tsx and from the built
 * service, at the same path relative to src/ and dist/.
 */
import { createRequire } from "node:module";
import { parentPort, workerData } from "node:worker_threads";

const require = createRequire(import.meta.url);
/** Absolute paths, resolved (and checked) by the main thread: see src/pty-fork.ts. */
const { nodePtyNative, fdAddon } = workerData;
const pty = require(nodePtyNative);
const fd = require(fdAddon);

/** node-pty's fork takes uid and gid; -1 keeps the service's. */
const SAME_ID = -1;

parentPort.on("message", (req) => {
  let term;
  try {
    fd.setCloexecFrom(3);
    term = pty.fork(
      req.file,
      req.args,
      req.env,
      req.cwd,
      req.cols,
      req.rows,
      SAME_ID,
      SAME_ID,
      // No IUTF8 in the terminal's input modes, as node-pty sets it for `encoding: null`.
      false,
      // Its macOS spawn helper: unused on Linux.
      "",
      (exitCode, signal) => parentPort.postMessage({ type: "exit", id: req.id, exitCode, signal }),
    );
  } catch (err) {
    parentPort.postMessage({ type: "failed", id: req.id, message: err instanceof Error ? err.message : String(err) });
    return;
  }
  parentPort.postMessage({ type: "started", id: req.id, pid: term.pid, fd: term.fd });
});
