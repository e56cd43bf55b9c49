/**
 * Reading configuration from the environment: each service reads its variables once at start,
 * validates them and freezes the result. A bad value stops start-up with a message that names
 * the variable and says what is expected.
 */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

export function envString(env: Env, name: string, fallback: string): string {
  const value = env[name];
  return value === undefined || value === "" ? fallback : value;
}

export function envInt(env: Env, name: string, fallback: number, range: { min: number; max: number }): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(`${name}=${JSON.stringify(raw)} is not an integer`);
  const value = Number(raw.trim());
  if (value < range.min || value > range.max) throw new ConfigError(`${name}=${value} is out of range ${range.min}..${range.max}`);
  return value;
}

export function envBool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a boolean (use true or false)`);
}

/** The host (IPv6 without its brackets) and the port of a host:port address. */
export function splitHostPort(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(":");
  return { host: address.slice(0, at).replace(/^\[|\]$/g, ""), port: Number(address.slice(at + 1)) };
}

/** host:port, with an IPv6 host in brackets. */
export function joinHostPort(host: string, port: number): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** host:port, [v6]:port, or unix:path; the address a gRPC server binds. */
export function envListenAddress(env: Env, name: string, fallback: string): string {
  const value = envString(env, name, fallback);
  if (value.startsWith("unix:")) return value;
  if (!/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/.test(value)) {
    throw new ConfigError(`${name}=${JSON.stringify(value)} is not host:port (e.g. 127.0.0.1:50052)`);
  }
  const port = Number(value.slice(value.lastIndexOf(":") + 1));
  if (port > 65535) throw new ConfigError(`${name}=${value}: port ${port} is above 65535`);
  return value;
}
