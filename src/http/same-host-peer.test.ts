import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSameHostPeer } from './same-host-peer.js';

test('loopback peers, in either family and IPv4-mapped, are on this host', () => {
  for (const remoteAddress of ['127.0.0.1', '127.45.6.7', '::1', '::ffff:127.0.0.1', '::FFFF:127.1.2.3']) {
    assert.equal(isSameHostPeer({ remoteAddress, localAddress: '10.0.0.5' }), true, remoteAddress);
  }
});

test('a peer that connected to one of this host\'s own addresses is on this host', () => {
  assert.equal(isSameHostPeer({ remoteAddress: '10.0.0.5', localAddress: '10.0.0.5' }), true);
  assert.equal(isSameHostPeer({ remoteAddress: 'fd00::5', localAddress: 'fd00::5' }), true);
});

test('other peers, look-alikes included, are not', () => {
  for (const remoteAddress of ['10.0.0.6', '172.17.0.2', '128.0.0.1', '::2', '::ffff:10.0.0.1', '::127.0.0.1', '0.0.0.0', 'localhost']) {
    assert.equal(isSameHostPeer({ remoteAddress, localAddress: '10.0.0.5' }), false, remoteAddress);
  }
});

test('a Unix socket (no addresses) is on this host; a TCP socket that lost its peer address is not', () => {
  assert.equal(isSameHostPeer({}), true);
  assert.equal(isSameHostPeer({ localAddress: '127.0.0.1' }), false);
});
