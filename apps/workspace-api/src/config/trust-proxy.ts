import { BlockList, isIP } from 'node:net';
import { parseBooleanWord } from '@oz/server-kit';

/**
 * Which proxies in front of the server are believed when they say, in `X-Forwarded-For`, who the
 * client is (`OZ_TRUST_PROXY`):
 * - `none`: nobody; the client is the peer of the TCP connection.
 * - `hops`: that many proxies, always there (a load balancer, then an ingress…): the client is the
 *   address that many entries from the right end of the chain.
 * - `ranges`: proxies at these addresses; the chain is walked from the peer while the address is one
 *   of them.
 * - `all`: every hop, so the client is whatever the leftmost entry says. Anyone can write that entry:
 *   only for a proxy that replaces the header instead of appending to it.
 */
export type TrustProxy =
  | { kind: 'none' }
  | { kind: 'all' }
  | { kind: 'hops'; hops: number }
  | { kind: 'ranges'; ranges: string[]; list: BlockList };

const MAX_HOPS = 10;

/** Reads OZ_TRUST_PROXY; adds a problem (and answers `none`) when it is not one of the forms above. */
export function parseTrustProxy(value: string, problems: string[]): TrustProxy {
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops > MAX_HOPS) problems.push(`OZ_TRUST_PROXY must be at most ${MAX_HOPS} hops`);
    return hops === 0 || hops > MAX_HOPS ? { kind: 'none' } : { kind: 'hops', hops };
  }
  const word = parseBooleanWord(text);
  if (word !== undefined) return word ? { kind: 'all' } : { kind: 'none' };
  const list = new BlockList();
  const ranges: string[] = [];
  for (const entry of text.split(',').map((part) => part.trim()).filter(Boolean)) {
    const range = parseRange(entry);
    if (!range) {
      problems.push(
        `OZ_TRUST_PROXY must be false, a hop count (1, 2…), a comma-separated list of proxy addresses or CIDR ranges (10.0.0.0/8, fd00::/8), or true; "${entry}" is none of these`,
      );
      return { kind: 'none' };
    }
    list.addSubnet(range.address, range.prefix, range.family);
    ranges.push(entry);
  }
  if (!ranges.length) return { kind: 'none' };
  return { kind: 'ranges', ranges, list };
}

function parseRange(entry: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const [address, prefixText, ...rest] = entry.split('/');
  const version = isIP(address);
  if (!version || rest.length) return null;
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= max)) return null;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/**
 * The client's address for a connection from `peer` carrying `forwardedFor` (the X-Forwarded-For
 * values, in order), per the trust setting. Addresses in the header that are not addresses end the
 * walk: whatever wrote them is not a proxy we trust to be right.
 */
export function clientAddressOf(trust: TrustProxy, peer: string, forwardedFor: string[]): string {
  const self = normalisedAddress(peer);
  if (trust.kind === 'none' || !forwardedFor.length) return self;
  // Nearest first: the peer, then the header's entries from the right.
  const chain = [self, ...forwardedFor.flatMap((value) => value.split(',')).map((entry) => normalisedAddress(entry.trim())).reverse()];
  const valid = (index: number) => isIP(chain[index]) !== 0;
  if (trust.kind === 'all') {
    let index = 0;
    while (index + 1 < chain.length && valid(index + 1)) index += 1;
    return chain[index];
  }
  if (trust.kind === 'hops') {
    let index = 0;
    while (index < trust.hops && index + 1 < chain.length && valid(index + 1)) index += 1;
    return chain[index];
  }
  let index = 0;
  while (index + 1 < chain.length && isTrusted(trust.list, chain[index]) && valid(index + 1)) index += 1;
  return chain[index];
}

function isTrusted(list: BlockList, address: string): boolean {
  const version = isIP(address);
  return version !== 0 && list.check(address, version === 4 ? 'ipv4' : 'ipv6');
}

/** IPv4-mapped IPv6 (`::ffff:10.0.0.1`, how a dual-stack socket reports IPv4 peers) as plain IPv4. */
export function normalisedAddress(address: string): string {
  const bare = address.trim().replace(/^\[(.*)\]$/, '$1');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(bare);
  return mapped ? mapped[1] : bare.toLowerCase();
}

/**
 * The key under which limits count a client: its IPv4 address, or the /64 network of an IPv6 one
 * (one subscriber usually holds a whole /64, and could rotate through it).
 */
export function addressKey(address: string): string {
  const normal = normalisedAddress(address);
  if (isIP(normal) !== 6) return normal;
  return `${ipv6Groups(normal).slice(0, 4).map((group) => group.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail as two groups). */
function ipv6Groups(address: string): number[] {
  let text = address.split('%')[0];
  const dotted = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':').map((group) => Number.parseInt(group, 16)) : []);
  const left = groups(head);
  const right = groups(tail);
  return tail === undefined ? left : [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}
