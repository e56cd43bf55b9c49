/** Entry point of the `ptykeep` binary (bin/ptykeep.js): runs the CLI and exits with its code. */
import { runCli } from "./cli.js";

const code = await runCli(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env });
// Let buffered output reach a pipe before exiting (process.exit does not wait for it).
await Promise.all([process.stdout, process.stderr].map((s) => new Promise<void>((resolve) => (s.writableLength === 0 ? resolve() : s.write("", () => resolve())))));
process.exit(code);
