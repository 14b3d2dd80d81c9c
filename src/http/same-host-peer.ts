/**
 * Whether a connection's peer runs on this host, as far as the socket can tell: a Unix socket,
 * a loopback address (127.0.0.0/8, ::1, and IPv4-mapped loopback), or a peer that connected to
 * one of this host's own addresses (the kernel routes that over loopback too, and the socket's
 * two ends then carry the same address). A container reaching the host over a bridge is not
 * seen as local: its address is its own.
 */
import { BlockList } from 'node:net';
import { addressInList } from '../core/address-list.js';

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

export function isSameHostPeer(socket: { remoteAddress?: string | undefined; localAddress?: string | undefined }): boolean {
  const { remoteAddress, localAddress } = socket;
  // A Unix socket has no addresses; a TCP socket always has both while it is open.
  if (remoteAddress === undefined) return localAddress === undefined;
  return addressInList(loopback, remoteAddress) === true || remoteAddress === localAddress;
}
