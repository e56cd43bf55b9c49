/**
 * What can be checked of docker-compose.yml (and its TLS overlay) without a Docker engine: the
 * services and their wiring, the store's replicas, health checks and start order, ports, the
 * PostgreSQL image from .env, and that every environment variable the file sets is one the
 * service actually reads (recorded by loading the service's configuration through a Proxy), with
 * values that configuration accepts.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadClientTls, toGrpcTarget } from "@ptykeep/proto";
import { loadStoreConfig } from "../../store-service/src/index.js";
import { loadPtyConfig } from "../../pty-service/src/index.js";
import { loadWebConfig } from "../../web/src/index.js";
import { postgresImage } from "../support/postgres.js";
import { REPO_ROOT, makeDevCerts, type DevCerts } from "../security/helpers.js";

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; target: string };
  environment?: Record<string, string>;
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  stop_grace_period?: string;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), "utf8");
const dotEnv: Record<string, string> = Object.fromEntries(
  read(".env")
    .split("\n")
    .filter((l) => /^[A-Z_]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1).trim()]),
);

/** Compose's variable substitution (`${VAR}`, `${VAR:-default}`) with .env only, as on a clean shell. */
function interpolate(text: string): string {
  return text.replace(/\$\{([A-Z_][A-Z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, fallback: string | undefined) => {
    const value = dotEnv[name];
    if (value !== undefined && value !== "") return value;
    if (fallback === undefined) throw new Error(`\${${name}} has no value in .env and no default`);
    return fallback;
  });
}

const raw = parse(read("docker-compose.yml")) as ComposeFile;
const compose = parse(interpolate(read("docker-compose.yml"))) as ComposeFile;
const tlsOverlay = parse(interpolate(read("deploy/compose.tls.yml"))) as ComposeFile;
const svc = (name: string) => compose.services[name]!;

/** The variable names a loader reads: it gets an environment that records every lookup. */
function namesRead(load: (env: Record<string, string | undefined>) => unknown, base: Record<string, string> = {}): Set<string> {
  const seen = new Set<string>();
  const env = new Proxy(base, {
    get(target, name) {
      if (typeof name === "string") seen.add(name);
      return typeof name === "string" ? target[name] : undefined;
    },
  });
  load(env);
  return seen;
}

const DB_URL = { DATABASE_URL: "postgres://u:p@127.0.0.1:5432/d" };
const storeNames = namesRead((env) => loadStoreConfig(env), DB_URL);
const ptyNames = namesRead((env) => loadPtyConfig(env));
const webNames = namesRead((env) => loadWebConfig(env));
/** Read outside the configuration loaders: the logger's level, the image health probe's TLS. */
const commonNames = new Set(["LOG_LEVEL", ...namesRead((env) => loadClientTls(env, "HEALTHCHECK"))]);

let certs: DevCerts;
beforeAll(() => {
  certs = makeDevCerts();
});
afterAll(() => certs?.remove());

describe("docker-compose.yml", () => {
  it("has PostgreSQL, the store-service, the pty-service and the web gateway", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["postgres", "pty-service", "store-service", "web"]);
  });

  it("takes the PostgreSQL image from .env, the place the tests read it", () => {
    expect(raw.services.postgres!.image).toBe("${POSTGRES_IMAGE}");
    expect(svc("postgres").image).toBe(postgresImage());
    expect(postgresImage()).toMatch(/^postgres:\d+(\.\d+)?-/);
  });

  it("keeps PostgreSQL's data in a named volume", () => {
    const mounts = svc("postgres").volumes ?? [];
    expect(mounts).toHaveLength(1);
    const [volume, target] = mounts[0]!.split(":");
    expect(Object.keys(compose.volumes ?? {})).toContain(volume);
    expect(target).toMatch(/^\/var\/lib\/postgresql/);
  });

  it("runs three store replicas behind one service name, built from deploy/Dockerfile", () => {
    expect(svc("store-service").deploy?.replicas).toBe(3);
    for (const name of ["store-service", "pty-service", "web"]) {
      expect(svc(name).build).toEqual({ context: ".", dockerfile: "deploy/Dockerfile", target: name });
    }
  });

  it("checks every service's health, and starts each after what it needs is healthy", () => {
    for (const s of Object.values(compose.services)) expect(s.healthcheck?.test.length).toBeGreaterThan(1);
    const storePort = svc("store-service").environment!.STORE_LISTEN!.split(":")[1];
    const ptyPort = svc("pty-service").environment!.PTY_LISTEN!.split(":")[1];
    expect(svc("store-service").healthcheck!.test.join(" ")).toContain(`node proto/dist/healthcheck.js 127.0.0.1:${storePort}`);
    expect(svc("pty-service").healthcheck!.test.join(" ")).toContain(`node proto/dist/healthcheck.js 127.0.0.1:${ptyPort}`);
    expect(svc("store-service").depends_on).toEqual({ postgres: { condition: "service_healthy" } });
    expect(svc("pty-service").depends_on).toEqual({ "store-service": { condition: "service_healthy" } });
    expect(svc("web").healthcheck!.test.join(" ")).toContain(`node web/dist/healthcheck.js ${svc("web").environment!.WEB_LISTEN!.split(":")[1]}`);
    expect(svc("web").depends_on).toEqual({ "pty-service": { condition: "service_healthy" } });
  });

  it("has the pty-service reach every store replica by a dns: name, round-robin", () => {
    const storeAddr = svc("pty-service").environment!.STORE_ADDR!;
    expect(storeAddr).toBe(`dns:///store-service:${svc("store-service").environment!.STORE_LISTEN!.split(":")[1]}`);
    expect(toGrpcTarget(storeAddr)).toBe(storeAddr);
  });

  it("publishes only the pty-service and the web gateway, on the host's loopback unless configured", () => {
    expect(svc("postgres").ports).toBeUndefined();
    expect(svc("store-service").ports).toBeUndefined();
    const ports = svc("pty-service").ports ?? [];
    expect(ports.length).toBe(1);
    for (const p of ports) expect(p).toMatch(/^127\.0\.0\.1:\d+:50051$/);
    expect(raw.services["pty-service"]!.ports![0]).toContain("${PTY_PUBLISH_ADDR:-127.0.0.1}");
    expect(svc("web").ports).toEqual([expect.stringMatching(/^127\.0\.0\.1:\d+:8080$/)]);
    expect(raw.services.web!.ports![0]).toContain("${WEB_PUBLISH_ADDR:-127.0.0.1}");
  });

  it("points the store at the compose PostgreSQL with its credentials", () => {
    const url = new URL(svc("store-service").environment!.DATABASE_URL!);
    const pg = svc("postgres").environment!;
    expect(url.hostname).toBe("postgres");
    expect(decodeURIComponent(url.username)).toBe(pg.POSTGRES_USER);
    expect(decodeURIComponent(url.password)).toBe(pg.POSTGRES_PASSWORD);
    expect(url.pathname).toBe(`/${pg.POSTGRES_DB}`);
  });

  it("enables the reaper", () => {
    expect(storeNames).toContain("STORE_REAPER");
    expect(loadStoreConfig(svc("store-service").environment).reaper).toBe(true);
  });

  it("sets only variables the services read, to values their configuration accepts", () => {
    for (const [name, read] of [["store-service", storeNames], ["pty-service", ptyNames], ["web", webNames]] as const) {
      const unknown = Object.keys(svc(name).environment ?? {}).filter((v) => !read.has(v) && !commonNames.has(v));
      expect(unknown, `${name} sets variables it never reads`).toEqual([]);
    }
    // Listening on 0.0.0.0 inside the network is allowed here only through the explicit override.
    expect(loadStoreConfig(svc("store-service").environment).security.allowInsecureListen).toBe(true);
    expect(loadPtyConfig(svc("pty-service").environment).security.allowInsecureListen).toBe(true);
    expect(loadWebConfig(svc("web").environment).security.allowInsecureListen).toBe(true);
  });
});

describe("deploy/compose.tls.yml", () => {
  /** The merged environment, with /certs (the mount) pointing at freshly made dev certificates. */
  const merged = (name: string) => {
    const env = { ...svc(name).environment, ...tlsOverlay.services[name]!.environment };
    return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.startsWith("/certs/") ? path.join(certs.dir, v.slice("/certs/".length)) : v]));
  };

  it("sets only variables the services read", () => {
    for (const [name, read] of [["store-service", storeNames], ["pty-service", ptyNames], ["web", webNames]] as const) {
      const unknown = Object.keys(tlsOverlay.services[name]!.environment ?? {}).filter((v) => !read.has(v) && !commonNames.has(v));
      expect(unknown, `${name} sets variables it never reads`).toEqual([]);
    }
  });

  it("mounts the certificates read-only, and makes both services listen with mutual TLS and tokens without the override", () => {
    for (const name of ["store-service", "pty-service"]) expect(tlsOverlay.services[name]!.volumes).toEqual(["./deploy/certs:/certs:ro"]);
    const store = loadStoreConfig(merged("store-service"));
    const pty = loadPtyConfig(merged("pty-service"));
    for (const security of [store.security, pty.security]) {
      expect(security.allowInsecureListen).toBe(false);
      expect(security.tls?.clientCa).toBeDefined();
      expect(security.tokens?.size).toBe(2);
    }
    expect(pty.storeClient.tls?.cert).toBeDefined();
    expect(pty.storeClient.token).toBe(certs.fullToken);
    expect(store.ptyClient.token).toBe(certs.readOnlyToken);
  });

  it("serves the page over HTTPS with login tokens, and calls the services with TLS and a full token", () => {
    expect(tlsOverlay.services.web!.volumes).toEqual(["./deploy/certs:/certs:ro"]);
    const web = loadWebConfig(merged("web"));
    expect(web.security.allowInsecureListen).toBe(false);
    expect(web.security.tls).toBeDefined();
    expect(web.security.tokens?.size).toBe(2);
    expect(web.ptyClient.tls?.cert).toBeDefined();
    expect(web.ptyClient.token).toBe(certs.fullToken);
    expect(web.storeClient.token).toBe(certs.readOnlyToken);
  });
});

describe("deploy/Dockerfile", () => {
  const dockerfile = read("deploy/Dockerfile");

  it("builds both services as targets of one multi-stage build, as non-root under an init process", () => {
    expect(dockerfile).toMatch(/^FROM \S+ AS store-service$/m);
    expect(dockerfile).toMatch(/^FROM \S+ AS pty-service$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini"/m);
    expect(dockerfile).toMatch(/^FROM \S+ AS web$/m);
    expect(dockerfile.match(/^HEALTHCHECK /gm)?.length).toBe(3);
  });

  it("runs every process from /app as the JavaScript its build stage compiles, the gateway too (no tsx)", () => {
    expect(dockerfile.match(/^WORKDIR .*$/gm)).toEqual(["WORKDIR /app", "WORKDIR /app", "WORKDIR /app"]);
    const cmds = dockerfile.match(/^\s*(CMD|  CMD) \[.*$/gm) ?? [];
    expect(cmds.length).toBe(6);
    for (const line of cmds) expect(line).toMatch(/\["node", "(proto|store-service|pty-service|web)\/dist\/[a-z-]+\.js"/);
    expect(dockerfile).not.toMatch(/tsx/);
    const build = dockerfile.slice(dockerfile.indexOf(" AS build"), dockerfile.indexOf(" AS deps"));
    expect(build).toMatch(/^RUN npm run build$/m);
    expect(build).toMatch(/^COPY web \.\/web$/m);
    for (const ws of ["proto", "store-service", "pty-service", "cli", "web"]) expect(dockerfile).toMatch(new RegExp(`^COPY --from=build /app/${ws}/dist \\./${ws}/dist$`, "m"));
    // The context's own builds stay out: the image runs what its build stage compiled.
    expect(read(".dockerignore").split("\n")).toContain("**/dist");
  });

  it("builds the pty-service's native addon in the dependency stage and ships only the built module", () => {
    const deps = dockerfile.slice(dockerfile.indexOf(" AS deps"), dockerfile.indexOf(" AS runtime"));
    expect(deps).toMatch(/^COPY .*pty-service\/binding\.gyp/m);
    expect(deps).toMatch(/^COPY pty-service\/native /m);
    expect(deps.indexOf("pty-service/native")).toBeLessThan(deps.indexOf("npm ci"));
    expect(dockerfile).toMatch(/^COPY --from=deps \/app\/pty-service\/build\/Release\/fd\.node /m);
    expect(read(".dockerignore").split("\n")).toContain("pty-service/build");
  });

  it("keeps certificates out of the build context", () => {
    expect(read(".dockerignore").split("\n")).toContain("deploy/certs");
  });
});
