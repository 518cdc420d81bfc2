import { addressKey, clientAddressOf, parseTrustProxy, type TrustProxy } from './trust-proxy';

function trust(value: string): TrustProxy {
  const problems: string[] = [];
  const parsed = parseTrustProxy(value, problems);
  expect(problems).toEqual([]);
  return parsed;
}

describe('OZ_TRUST_PROXY', () => {
  it.each([
    ['false', 'none'],
    ['0', 'none'],
    ['no', 'none'],
    ['true', 'all'],
    ['1', 'hops'],
    ['2', 'hops'],
    ['10.0.0.0/8, 192.168.1.7 ,fd00::/8', 'ranges'],
  ])('reads %j as %s', (value, kind) => {
    expect(trust(value).kind).toBe(kind);
  });

  it.each(['proxy.internal', '10.0.0.0/33', '10.0.0.0/8/1', '300.1.1.1', '11'])('refuses %j, naming the forms it takes', (value) => {
    const problems: string[] = [];
    parseTrustProxy(value, problems);
    expect(problems.join()).toMatch(/OZ_TRUST_PROXY must (be false, a hop count|be at most 10 hops)/);
  });
});

describe('the client address', () => {
  const peer = '10.0.0.2';
  const chain = ['6.6.6.6, 203.0.113.9'];

  it('is the peer when no proxy is trusted, whatever the header says', () => {
    expect(clientAddressOf(trust('false'), peer, chain)).toBe(peer);
  });

  it('is the entry the trusted hops appended, never one the client wrote before them', () => {
    expect(clientAddressOf(trust('1'), peer, chain)).toBe('203.0.113.9');
    expect(clientAddressOf(trust('2'), peer, chain)).toBe('6.6.6.6');
    // Fewer entries than hops: the leftmost there is.
    expect(clientAddressOf(trust('3'), peer, ['203.0.113.9'])).toBe('203.0.113.9');
    // Several header lines are one list.
    expect(clientAddressOf(trust('2'), peer, ['1.1.1.1', '2.2.2.2'])).toBe('1.1.1.1');
  });

  it('walks trusted ranges from the peer to the first address outside them', () => {
    const ranges = trust('10.0.0.0/8, 172.16.0.0/12');
    expect(clientAddressOf(ranges, peer, ['6.6.6.6, 203.0.113.9, 172.16.5.5'])).toBe('203.0.113.9');
    expect(clientAddressOf(ranges, '198.51.100.1', chain)).toBe('198.51.100.1');
    expect(clientAddressOf(ranges, `::ffff:${peer}`, chain)).toBe('203.0.113.9');
  });

  it('is the leftmost entry when every hop is trusted (unsafe: the client writes it)', () => {
    expect(clientAddressOf(trust('true'), peer, chain)).toBe('6.6.6.6');
  });

  it('stops at an entry that is not an address', () => {
    expect(clientAddressOf(trust('2'), peer, ['unknown, 203.0.113.9'])).toBe('203.0.113.9');
    expect(clientAddressOf(trust('1'), peer, ['garbage'])).toBe(peer);
  });

  it('counts an IPv6 client by its /64 and an IPv4-mapped one as IPv4', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(addressKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
    expect(addressKey('192.0.2.1')).toBe('192.0.2.1');
  });
});
