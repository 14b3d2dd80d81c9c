/**
 * The signature a receiver checks: HMAC-SHA256 over `<unix seconds>.<body>` with the webhook's
 * secret, sent as `X-Berth-Signature: t=<unix seconds>,v1=<hex>`. The timestamp is inside the
 * signed text, so a receiver that refuses old timestamps refuses replays of captured requests.
 * The timestamp is that of the attempt, not of the event: a retried delivery is signed afresh.
 */
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-berth-signature';

export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}
