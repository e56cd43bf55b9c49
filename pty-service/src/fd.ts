/**
 * File-descriptor operations Node's fs module does not offer, from the small native addon in
 * `pty-service/native/fd.c` (built by `npm ci` through node-gyp, like node-pty itself).
 */
import { createRequire } from "node:module";

interface FdAddon {
  /** Marks every open fd >= minFd close-on-exec, so no program exec'd later inherits it. */
  setCloexecFrom(minFd: number): void;
}

function load(): FdAddon {
  try {
    return createRequire(import.meta.url)("../build/Release/fd.node") as FdAddon;
  } catch (err) {
    throw new Error(
      "pty-service: its native addon (pty-service/build/Release/fd.node) is not built; run `npm ci`, or " +
        "`npm rebuild --workspace @ptykeep/pty-service` (needs python3, make and a C compiler): " +
        (err as Error).message,
    );
  }
}

const addon = load();

/** Marks every fd but stdin, stdout and stderr close-on-exec. */
export function closeOnExecAboveStdio(): void {
  addon.setCloexecFrom(3);
}
