import { BlockList, isIP } from 'node:net';

// Addresses no outbound event may reach unless ENDPOINT_EVENTS_ALLOWED_NETWORKS lists them:
// loopback, private, shared (CGNAT), link-local (169.254.169.254 is the cloud metadata service),
// documentation, benchmarking, multicast, reserved, and their IPv6 counterparts. IPv4-mapped IPv6
// addresses are judged by the IPv4 address inside.
const NON_PUBLIC_V4 = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const;

const NON_PUBLIC_V6 = [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const;

const nonPublic = new BlockList();
for (const [address, prefix] of NON_PUBLIC_V4) nonPublic.addSubnet(address, prefix, 'ipv4');
for (const [address, prefix] of NON_PUBLIC_V6) nonPublic.addSubnet(address, prefix, 'ipv6');

/** The IPv4 address inside an IPv4-mapped IPv6 one (`::ffff:127.0.0.1`), else the address as given. */
function unmapped(address: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match ? match[1] : address;
}

function family(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

/** True for an address on the public internet; false for loopback, private, link-local, metadata... */
export function isPublicAddress(address: string): boolean {
  const plain = unmapped(address);
  if (isIP(plain) === 0) return false;
  return !nonPublic.check(plain, family(plain));
}

/** The allow list (ENDPOINT_EVENTS_ALLOWED_NETWORKS): addresses and CIDRs, matched with node's BlockList. */
export function allowedNetworks(entries: readonly string[]): (address: string) => boolean {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/');
    if (prefix === undefined) list.addAddress(address, family(address));
    else list.addSubnet(address, Number(prefix), family(address));
  }
  return (address) => {
    const plain = unmapped(address);
    return isIP(plain) !== 0 && entries.length > 0 && list.check(plain, family(plain));
  };
}
