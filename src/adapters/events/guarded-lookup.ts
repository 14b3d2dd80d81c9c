/**
 * A DNS lookup for http.request that refuses addresses a webhook may not reach, at the moment
 * the connection is made: checking the name earlier and connecting later would let a name
 * that changes its answer in between (DNS rebinding) reach an internal address.
 * `isAllowed` is the core's rule (core/webhooks/target-address.ts), passed in by compose.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { lookup as dnsLookupAll } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';

export function guardedLookup(isAllowed: (address: string) => boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.find((a) => !isAllowed(a.address));
      if (refused !== undefined || addresses.length === 0) {
        const reason = new Error(`refused: ${hostname} resolves to ${refused?.address ?? 'nothing'}, not a public address`);
        return callback(Object.assign(reason, { code: 'EADDRNOTPUBLIC' }), '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0]!;
      return callback(null, first.address, first.family || isIP(first.address));
    });
  };
}

/** Every address a host name resolves to (an IP literal resolves to itself). */
export async function resolveAll(host: string): Promise<string[]> {
  return (await dnsLookupAll(host, { all: true })).map((a) => a.address);
}
