import { isIP } from 'node:net';
import { parseDuration } from './core/duration.ts';

export interface Config {
  databaseUrl: string;
  /** Signs cookies; required by `serve`, made and kept by `dev-server`. */
  secretKey: string | undefined;
  redisUrl: string | undefined;
  /** The base URL senders call (no trailing slash) when a request's own scheme and host are not it. */
  publicUrl: string | undefined;
  /** Host names requests may name (Django's ALLOWED_HOSTS): exact, `.example.com` with subdomains, or `*`. */
  allowedHosts: readonly string[];
  /** Fastify's trustProxy: false, true, a hop count, or addresses/CIDRs. */
  trustProxy: boolean | number | string;
  /** Client addresses and CIDRs that may read GET /metrics without a token; loopback by default. */
  metricsAllow: readonly string[];
  host: string;
  port: number;
  logLevel: string;
  bodyLimit: number;
  sessionIdleMs: number;
  sessionMaxAgeMs: number;
  /** Failed logins for one username from one address before that address is locked out of it. */
  loginMaxFailuresPerAccountAddress: number;
  /** Failed logins from one address, across usernames, before the address is locked out. */
  loginMaxFailuresPerAddress: number;
  /** Failed logins for one username from anywhere before it is locked out everywhere. */
  loginMaxFailuresPerAccount: number;
  loginLockoutMs: number;
  /** Whether this process runs hook handlers; off for processes that only receive. */
  hookWorker: boolean;
  /** Runs of a delivery's handler before it is marked failed. */
  hookMaxAttempts: number;
  /** Wait before the first retry; each further retry waits twice as long (capped at an hour). */
  hookRetryBaseMs: number;
  /** How long a claimed delivery stays its worker's; past it a crashed worker's claim is taken over. */
  hookLeaseMs: number;
  /** How often an idle worker looks for deliveries other processes stored or retries that fell due. */
  hookPollMs: number;
  /** Calls a minute one sender address may make to one hook; more are answered 429. */
  hookRateLimit: number;
  /** How long audit entries are kept; older ones are pruned while the server runs. */
  auditRetentionMs: number;
  /** How long calls a hook refused are kept for its administrators to see. */
  refusedRetentionMs: number;
  /** CIDRs outbound events may reach though they are not public (loopback, private); plain http only to these. */
  eventsAllowedNetworks: readonly string[];
  /** The wait before each attempt to send an event message, first attempt first; one entry per attempt. */
  eventsRetryScheduleMs: readonly number[];
}

export class ConfigError extends Error {}

/** The placeholder deploy/endpoint.env.example shows: public, so never a key to serve with. */
export const EXAMPLE_SECRET_KEY = 'change-me-to-at-least-32-random-characters';
// A random key from any usual generator has far more: 32 hex characters fall short of 8 once in
// 28 million, base64 never. Fewer means a repeat or a pattern ('changeme' over and over).
export const MIN_SECRET_KEY_CHARACTERS = 8;
export const SECRET_KEY_ADVICE =
  "make one with: node -e \"console.log(require('crypto').randomBytes(32).toString('base64url'))\"";

/**
 * Why `serve` refuses a secret key that passed loadConfig, or undefined when it may serve with it.
 * Guessable keys are refused: the example value, and any with too few different characters.
 */
export function secretKeyWeakness(key: string): string | undefined {
  if (key === EXAMPLE_SECRET_KEY) return 'is the example value from deploy/endpoint.env.example';
  if (new Set(key).size < MIN_SECRET_KEY_CHARACTERS) {
    return `has fewer than ${MIN_SECRET_KEY_CHARACTERS} different characters`;
  }
  return undefined;
}

type Env = Record<string, string | undefined>;

/** Reads and validates the ENDPOINT_* environment; throws ConfigError naming the bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const publicUrl = optionalUrl(env, 'ENDPOINT_PUBLIC_URL', ['http:', 'https:'])?.replace(/\/+$/, '');
  return {
    databaseUrl: databaseUrl(env, 'ENDPOINT_DATABASE_URL', 'sqlite:./endpoint.db'),
    secretKey: secretKey(env, 'ENDPOINT_SECRET_KEY'),
    redisUrl: optionalUrl(env, 'ENDPOINT_REDIS_URL', ['redis:', 'rediss:']),
    publicUrl,
    allowedHosts: allowedHosts(env, 'ENDPOINT_ALLOWED_HOSTS', publicUrl),
    trustProxy: trustProxy(env, 'ENDPOINT_TRUST_PROXY'),
    metricsAllow: addresses(env, 'ENDPOINT_METRICS_ALLOW', ['127.0.0.0/8', '::1']),
    host: env.HOST || 'localhost',
    port: integer(env, 'PORT', 8000, 0, 65535),
    logLevel: oneOf(env, 'ENDPOINT_LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    bodyLimit: integer(env, 'ENDPOINT_BODY_LIMIT', 1_048_576, 1024, 1_073_741_824),
    sessionIdleMs: duration(env, 'ENDPOINT_SESSION_IDLE_TIMEOUT', '30m'),
    sessionMaxAgeMs: duration(env, 'ENDPOINT_SESSION_MAX_AGE', '8h'),
    loginMaxFailuresPerAccountAddress: integer(env, 'ENDPOINT_LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS', 5, 1, 1_000_000),
    loginMaxFailuresPerAddress: integer(env, 'ENDPOINT_LOGIN_MAX_FAILURES_PER_ADDRESS', 50, 1, 1_000_000),
    loginMaxFailuresPerAccount: integer(env, 'ENDPOINT_LOGIN_MAX_FAILURES_PER_ACCOUNT', 100, 1, 1_000_000),
    loginLockoutMs: duration(env, 'ENDPOINT_LOGIN_LOCKOUT', '15m'),
    hookWorker: oneOf(env, 'ENDPOINT_HOOK_WORKER', 'on', ['on', 'off']) === 'on',
    hookMaxAttempts: integer(env, 'ENDPOINT_HOOK_MAX_ATTEMPTS', 10, 1, 100),
    hookRetryBaseMs: duration(env, 'ENDPOINT_HOOK_RETRY_BASE', '10s'),
    hookLeaseMs: duration(env, 'ENDPOINT_HOOK_LEASE', '5m'),
    hookPollMs: duration(env, 'ENDPOINT_HOOK_POLL_INTERVAL', '1s'),
    hookRateLimit: integer(env, 'ENDPOINT_HOOK_RATE_LIMIT', 1200, 1, 1_000_000),
    auditRetentionMs: duration(env, 'ENDPOINT_AUDIT_RETENTION', '365d'),
    refusedRetentionMs: duration(env, 'ENDPOINT_REFUSED_RETENTION', '7d'),
    eventsAllowedNetworks: addresses(env, 'ENDPOINT_EVENTS_ALLOWED_NETWORKS', []),
    eventsRetryScheduleMs: schedule(env, 'ENDPOINT_EVENTS_RETRY_SCHEDULE', '0s,5s,5m,30m,2h,5h,10h,10h'),
  };
}

function fail(name: string, why: string): never {
  throw new ConfigError(`${name} ${why}`);
}

function databaseUrl(env: Env, name: string, fallback: string): string {
  const value = env[name] || fallback;
  if (!/^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(value)) {
    fail(name, `must be sqlite:<path> or postgres://..., got "${value}"`);
  }
  return value;
}

function secretKey(env: Env, name: string): string | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  if (value.length < 32) fail(name, 'must be at least 32 characters');
  return value;
}

function optionalUrl(env: Env, name: string, protocols: string[]): string | undefined {
  const value = env[name];
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(name, `is not a URL: "${value}"`);
  }
  if (!protocols.includes(url.protocol)) fail(name, `must start with ${protocols.join(' or ')}`);
  return value;
}

// Django's forms: `*`, a name or IPv4 address, the same after a dot (subdomains too), or an IPv6
// literal in brackets; never a port, which requests are matched without.
const HOST_PATTERN = /^(\*|\.?[a-z0-9-]+(\.[a-z0-9-]+)*|\[[a-f0-9]*:[a-f0-9.:]+\])$/;

function allowedHosts(env: Env, name: string, publicUrl: string | undefined): string[] {
  const value = env[name];
  if (!value) return publicUrl ? [new URL(publicUrl).hostname] : ['localhost', '127.0.0.1', '[::1]'];
  const hosts = value
    .split(',')
    .map((host) => host.trim().toLowerCase())
    .filter((host) => host !== '');
  if (hosts.length === 0) fail(name, 'must name at least one host');
  for (const host of hosts) {
    if (!HOST_PATTERN.test(host)) {
      fail(name, `must list host names without ports (IPv6 in brackets, * for any), got "${host}"`);
    }
  }
  return hosts;
}

function trustProxy(env: Env, name: string): boolean | number | string {
  const value = env[name];
  if (!value || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  if (/^[0-9a-fA-F.:/, ]+$/.test(value)) return value;
  fail(name, `must be true, false, a hop count or addresses, got "${value}"`);
}

// `none` lets no address in without a token; a CIDR's prefix must fit its address family.
function addresses(env: Env, name: string, fallback: string[]): string[] {
  const value = env[name]?.trim();
  if (!value) return fallback;
  if (value === 'none') return [];
  return value.split(',').map((entry) => {
    const [address, prefix, ...rest] = entry.trim().split('/');
    const family = isIP(address);
    const bits = family === 6 ? 128 : 32;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !prefixOk || rest.length > 0) {
      fail(name, `must list addresses or CIDRs (127.0.0.1, 10.0.0.0/8, ::1), or none, got "${entry.trim()}"`);
    }
    return entry.trim();
  });
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < min || number > max) {
    fail(name, `must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return number;
}

function duration(env: Env, name: string, fallback: string): number {
  const value = env[name] || fallback;
  const ms = parseDuration(value);
  if (ms === undefined) fail(name, `must be a duration such as 30s, 30m, 8h or 90d, got "${value}"`);
  return ms;
}

// Svix's schedule by default: at once, then backing off to 10 hours, about 28 hours in all.
const MAX_SCHEDULE_ENTRIES = 50;

function schedule(env: Env, name: string, fallback: string): number[] {
  const value = env[name] || fallback;
  const entries = value.split(',').map((entry) => entry.trim());
  const delays = entries.map((entry) => (/^0+[smhd]$/.test(entry) ? 0 : parseDuration(entry)));
  if (entries.length > MAX_SCHEDULE_ENTRIES || delays.some((delay) => delay === undefined)) {
    fail(
      name,
      `must be a comma list of at most ${MAX_SCHEDULE_ENTRIES} durations such as 0s,5s,5m,30m, got "${value}"`,
    );
  }
  return delays as number[];
}

function oneOf(env: Env, name: string, fallback: string, allowed: string[]): string {
  const value = env[name] || fallback;
  if (!allowed.includes(value)) fail(name, `must be one of ${allowed.join(', ')}, got "${value}"`);
  return value;
}
