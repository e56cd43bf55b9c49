/**
 * File-descriptor operations Node's fs module does not offer, from the small native addon in
 * `pty-service/native/fd.c` (built by `npm ci` through node-gyp, like node-pty itself). The fork
 * thread (worker/pty-fork.mjs) calls it right before each fork.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** What the addon offers. */
export interface FdAddon {
  /** Marks every open fd >= minFd close-on-exec, so no program exec'd later inherits it. */
  setCloexecFrom(minFd: number): void;
}

/** The addon's file; the fork thread loads it too (worker/pty-fork.mjs), to sweep right before each fork. */
export const FD_ADDON_PATH = fileURLToPath(new URL("../build/Release/fd.node", import.meta.url));

function load(): FdAddon {
  try {
    return createRequire(import.meta.url)(FD_ADDON_PATH) as FdAddon;
  } catch (err) {
    throw new Error(
      "pty-service: its native addon (pty-service/build/Release/fd.node) is not built; run `npm ci`, or " +
        "`npm rebuild --workspace @ptykeep/pty-service` (needs python3, make and a C compiler): " +
        (err as Error).message,
    );
  }
}

// Loaded here too, so that a service without the addon stops at start-up with the message above
// rather than failing its first Spawn.
load();
