#!/usr/bin/env node
// Launcher for the `ptykeep` command: the CLI is TypeScript run directly by tsx (no build step).
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
