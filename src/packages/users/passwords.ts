import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { hash, verify } from '@node-rs/argon2';
import pLimit from 'p-limit';

// OWASP's argon2id recommendation. @node-rs/argon2 runs each hash on libuv's thread pool,
// so hashing never blocks the event loop. `algorithm: 2` is Algorithm.Argon2id, a const
// enum that type-stripping loaders cannot import.
const PARAMS = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;
const PARAMS_TAG = `m=${PARAMS.memoryCost},t=${PARAMS.timeCost},p=${PARAMS.parallelism}`;

// A hash of a random, forgotten password: verifying against it when the user does not exist
// costs what a real check costs, so response times do not reveal which usernames exist.
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$ai18Y9TO5hJc4iaDaR3WRQ$3btRh1vP4dMfi3E+n6mvanZOJwiINLJ/S+JHQkq0UmQ';

export const MIN_PASSWORD_LENGTH = 8;
// The list and the package around it are 7 MiB of memory that most processes never use: read
// at the first password chosen, not at every start.
let commonPasswords: ReadonlySet<string> | undefined;
function isCommonPassword(lowered: string): boolean {
  if (!commonPasswords) {
    const { dictionary } = createRequire(import.meta.url)('@zxcvbn-ts/language-common');
    commonPasswords = new Set(dictionary['passwords-common'] as string[]);
  }
  return commonPasswords.has(lowered);
}

// Hashes at once in this process. Left to libuv's four threads, every process of a loaded server
// hashed on four threads a core: they crowded its event loop off the CPU, and /healthz waited
// seconds behind logins (bench/login.ts). Hashes past the limit wait their turn in order.
const hashing = pLimit(availableParallelism());

/** How many passwords this process hashes at once: its share of the machine's cores. */
export function limitPasswordHashing(concurrency: number): void {
  hashing.concurrency = Math.max(1, Math.floor(concurrency));
}

export function hashPassword(password: string): Promise<string> {
  return hashing(() => hash(password, PARAMS));
}

/** Checks a password against a stored hash, or against a dummy when there is none. Never throws. */
export async function verifyPassword(stored: string | undefined, password: string): Promise<boolean> {
  try {
    const ok = await hashing(() => verify(stored ?? DUMMY_HASH, password));
    return ok && stored !== undefined;
  } catch {
    return false;
  }
}

/** True when the hash was made with other parameters and should be re-made at the next login. */
export function needsRehash(stored: string): boolean {
  return !stored.startsWith('$argon2id$') || !stored.includes(`$${PARAMS_TAG}$`);
}

/** Why a password is refused from the web and API, or undefined when it is acceptable. */
export function passwordWeakness(password: string, username = ''): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.trim() === '') return 'must not be only spaces';
  if (new Set(password).size === 1) return 'must not be one character repeated';
  const lowered = password.toLowerCase();
  if (isCommonPassword(lowered)) return 'is too common';
  if (username && lowered === username.toLowerCase()) return 'must differ from the username';
  return undefined;
}
