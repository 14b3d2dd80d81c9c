/**
 * Which addresses a webhook may be sent to. A webhook URL is chosen by a project admin, not
 * by the operator, so by default it may not point into the registry's own network: loopback,
 * link-local (cloud metadata services live at 169.254.169.254), private, shared (CGNAT),
 * multicast, reserved and unspecified addresses are refused, in IPv4 and IPv6 (IPv4-mapped
 * IPv6 addresses are judged as the IPv4 address they carry). Operators whose receivers are
 * internal set `notifications.webhooks.allowprivatetargets`.
 */
import { BlockList } from 'node:net';
import { addressInList } from '../address-list.js';

const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fe80::', 10],
  ['fc00::', 7],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(net, bits, 'ipv6');
}

/** True when the address is one a webhook may reach without `allowprivatetargets`. */
export function isPublicAddress(address: string): boolean {
  return addressInList(blocked, address) === false;
}

/** The URL's host as DNS would be asked for it (IPv6 literals without brackets). */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}
