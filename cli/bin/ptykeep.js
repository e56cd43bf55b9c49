#!/usr/bin/env node
// Launcher for the `ptykeep` command. It runs the CLI built to JavaScript (cli/dist, made by
// `npm ci` or `npm run build`: scripts/build.mjs); a checkout that has not been built runs the
// TypeScript sources through tsx, which compiles them at every start (about a second more).
import { existsSync } from "node:fs";

const built = new URL("../dist/main.js", import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/main.ts");
}
