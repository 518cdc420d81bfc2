/**
 * Only this machine can reach a server bound to one of these: the one case where the open defaults
 * (open tenancy, open signup, cookies without `Secure`) apply. Brackets and IPv4-mapped forms count.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare) || /^::ffff:127(\.\d{1,3}){3}$/.test(bare);
}
