import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { RefusedUrlError } from './errors.ts';
import { allowedNetworks, isPublicAddress } from './networks.ts';

export const MAX_URL_LENGTH = 2000;

/** Resolves a host name to every address it has. */
export type Resolve = (host: string) => Promise<string[]>;

const resolveAll: Resolve = async (host) => (await dnsLookup(host, { all: true })).map(({ address }) => address);

/** A URL's host as an address or name, without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * The SSRF guard at creation: a subscription's URL must be https, resolve, and every address it
 * resolves to must be public, unless inside ENDPOINT_EVENTS_ALLOWED_NETWORKS; plain http is only
 * for hosts wholly inside those networks (same-host services, tests). Checked again at each
 * connection (send.ts), since DNS can change after creation.
 */
export function createUrlGuard(allowed: readonly string[], resolve: Resolve = resolveAll) {
  const inAllowed = allowedNetworks(allowed);
  return {
    inAllowed,

    /** The URL, normalized; throws RefusedUrlError saying why it is refused. */
    async check(text: string): Promise<string> {
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        throw new RefusedUrlError(`"${text.slice(0, 100)}" is not a URL`);
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        throw new RefusedUrlError('the URL must start with https://');
      }
      if (url.username !== '' || url.password !== '') {
        throw new RefusedUrlError('the URL must not carry a user name or password; receivers verify the signature');
      }
      if (url.href.length > MAX_URL_LENGTH)
        throw new RefusedUrlError(`the URL must be at most ${MAX_URL_LENGTH} characters`);
      const host = hostOf(url);
      let addresses: string[];
      try {
        addresses = isIP(host) === 0 ? await resolve(host) : [host];
      } catch {
        throw new RefusedUrlError(`the host "${host}" does not resolve`);
      }
      if (addresses.length === 0) throw new RefusedUrlError(`the host "${host}" does not resolve`);
      const allAllowed = addresses.every(inAllowed);
      if (url.protocol === 'http:' && !allAllowed) {
        throw new RefusedUrlError(
          'the URL must be https://; plain http:// only reaches hosts inside ENDPOINT_EVENTS_ALLOWED_NETWORKS',
        );
      }
      const refused = addresses.find((address) => !inAllowed(address) && !isPublicAddress(address));
      if (refused !== undefined) {
        throw new RefusedUrlError(
          `the host "${host}" resolves to ${refused}, which is not a public address (loopback, private, link-local and metadata addresses are refused)`,
        );
      }
      return url.href;
    },
  };
}

export type UrlGuard = ReturnType<typeof createUrlGuard>;
