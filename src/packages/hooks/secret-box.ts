import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

// Hook secrets that must be kept to verify signatures are stored sealed with AES-256-GCM, under
// a key derived from ENDPOINT_SECRET_KEY. The label keeps this key apart from any other key ever
// derived from the same secret; bump it with VERSION if the scheme changes.
const VERSION = 'v1';
const KEY_LABEL = 'endpoint hook secrets v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
// Every signed call opens its hook's secrets, and AES-GCM's setup took a twentieth of a busy
// ingest's CPU. A sealed value opens to one plaintext for good (its IV and tag are authenticated),
// so what opened is kept, by sealed value: a rotated secret is a new sealed value. The bound only
// keeps a server with many hooks from growing without end.
const OPENED_KEPT = 1000;

/** A sealed value that cannot be opened: tampered, malformed, or sealed under another key. */
export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

export interface SecretBox {
  /** `v1.<iv>.<ciphertext>.<tag>`, base64url parts; a fresh random IV each call. */
  seal(plaintext: string): string;
  /** The plaintext of a sealed value. Throws SecretBoxError when it cannot be opened. */
  open(sealed: string): string;
}

/**
 * A box sealing under a key derived from `secretKey` for `label`: another package's secrets (the
 * events package's subscription secrets) take a label of their own, so no key serves two uses.
 */
export function createSecretBox(secretKey: string, label: string = KEY_LABEL): SecretBox {
  if (secretKey === '') throw new SecretBoxError('a secret key is required to seal hook secrets');
  // ENDPOINT_SECRET_KEY is already high-entropy, so HKDF needs no salt to extract from it.
  const key = Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), label, 32));
  // The version is authenticated too, so a sealed value cannot be passed off as another format's.
  const aad = Buffer.from(VERSION);
  const opened = new Map<string, string>();

  return {
    seal(plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const encoded = [iv, ciphertext, cipher.getAuthTag()].map((bytes) => bytes.toString('base64url'));
      return [VERSION, ...encoded].join('.');
    },

    open(sealed) {
      const kept = opened.get(sealed);
      if (kept !== undefined) return kept;
      const plaintext = openSealed(sealed);
      if (opened.size >= OPENED_KEPT) opened.clear();
      opened.set(sealed, plaintext);
      return plaintext;
    },
  };

  function openSealed(sealed: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) throw new SecretBoxError('sealed secret is malformed');
    const [iv, ciphertext, tag] = parts.slice(1).map(decodeBase64Url);
    if (iv?.length !== IV_BYTES || tag?.length !== TAG_BYTES || ciphertext === undefined) {
      throw new SecretBoxError('sealed secret is malformed');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES }).setAAD(aad);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('sealed secret does not open with this key, or was altered');
    }
  }
}

// Only the canonical encoding is accepted, so that no two different sealed strings open alike.
function decodeBase64Url(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}
