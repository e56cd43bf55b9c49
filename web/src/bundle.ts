/**
 * The page's assets, built in memory once at start-up with esbuild (the bundler tsx already
 * brings): web/page/main.ts with @xterm/xterm and its addons into one script, their CSS into one
 * stylesheet, plus index.html. Nothing is written to disk and there is no build step to forget.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const PAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../page");

export interface Asset {
  body: Buffer;
  contentType: string;
}

export type PageAssets = ReadonlyMap<string, Asset>;

export async function buildPage(): Promise<PageAssets> {
  const result = await build({
    entryPoints: [path.join(PAGE_DIR, "main.ts")],
    bundle: true,
    write: false,
    outdir: "/assets",
    format: "esm",
    target: ["chrome111", "firefox111", "safari16"],
    minify: true,
    sourcemap: false,
    logLevel: "silent",
    legalComments: "none",
  });
  const assets = new Map<string, Asset>();
  for (const file of result.outputFiles) {
    const name = path.basename(file.path);
    if (name === "main.js") assets.set("/app.js", { body: Buffer.from(file.contents), contentType: "text/javascript; charset=utf-8" });
    else if (name === "main.css") assets.set("/app.css", { body: Buffer.from(file.contents), contentType: "text/css; charset=utf-8" });
  }
  assets.set("/", { body: readFileSync(path.join(PAGE_DIR, "index.html")), contentType: "text/html; charset=utf-8" });
  if (!assets.has("/app.js") || !assets.has("/app.css")) throw new Error("the page bundle is missing its script or stylesheet");
  return assets;
}
