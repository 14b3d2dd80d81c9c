/**
 * Whether an IP address falls in a list of subnets, with an IPv4-mapped IPv6 address
 * (`::ffff:a.b.c.d`, as a dual-stack socket reports IPv4 peers) judged as the IPv4 address it
 * carries. Shared by the webhook target rules and the HTTP layer's same-host test.
 */
import { isIP, type BlockList } from 'node:net';

/** undefined when `address` is not an IP literal. */
export function addressInList(list: BlockList, address: string): boolean | undefined {
  const family = isIP(address);
  if (family === 4) return list.check(address, 'ipv4');
  if (family !== 6) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? list.check(mapped[1]!, 'ipv4') : list.check(address, 'ipv6');
}
