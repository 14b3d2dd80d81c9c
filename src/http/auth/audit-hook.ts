/**
 * Writes pushes, pulls and deletes to the audit log once their response has gone out
 * successfully, and pushes and deletes that were refused (401/403) to a caller the guard had
 * identified, before the refusal is sent, counted into one row per caller, repository and kind of request (AuditLog.count)
 * so that repeating a refused request cannot flood the log. A pull is recorded once per actor, repository and manifest per minute: a busy
 * CI fleet pulling the same image thousands of times a minute would otherwise make the audit
 * log the registry's main write load (and its busiest table) for no added information.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditLog } from '../../core/access/audit-log.js';
import { requirementOf } from './access-guard.js';

const PULL_DEDUP_MS = 60_000;
const MAX_TRACKED_PULLS = 50_000;

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Who made the request: set once the /v2 guard has let it through, or by the guard when it
     * refuses a caller it identified (so the refusal can be audited).
     */
    actor: string | null;
  }
}

export function installAuditHook(app: FastifyInstance, audit: AuditLog, now: () => number): void {
  const recentPulls = new Map<string, number>();
  app.decorateRequest('actor', null);
  // A refusal is counted before the caller hears it: the caller's next request may reach
  // another instance, which must find the row to count into (else every instance starts its
  // own), and a reader of the log after a 403 finds it there. AuditLog.count never throws.
  app.addHook('onSend', async (request, reply, payload) => {
    const denial = denialOf(request, reply.statusCode);
    if (denial && request.actor !== null) await audit.count({ actor: request.actor, clientIp: request.ip, result: 'denied', ...denial });
    return payload;
  });
  app.addHook('onResponse', (request, reply, done) => {
    if (denialOf(request, reply.statusCode)) return done();
    const event = eventOf(request, reply.statusCode);
    if (event && request.actor !== null) {
      if (event.action === 'pull') {
        const key = `${request.actor}\0${event.repository}\0${event.reference}`;
        const at = now();
        const last = recentPulls.get(key);
        if (last !== undefined && at - last < PULL_DEDUP_MS) return done();
        if (recentPulls.size >= MAX_TRACKED_PULLS) recentPulls.clear();
        recentPulls.set(key, at);
      }
      void audit.record({ actor: request.actor, clientIp: request.ip, result: 'success', ...event });
    }
    done();
  });
}

function eventOf(request: FastifyRequest, status: number): { action: string; repository: string; reference: string } | undefined {
  const oci = request.oci;
  if (!oci || status >= 300) return undefined;
  const target = { repository: oci.name, reference: oci.reference };
  if (oci.route === 'manifest') {
    if (request.method === 'PUT') return { action: 'push', ...target };
    if (request.method === 'GET') return { action: 'pull', ...target };
    if (request.method === 'DELETE') return { action: 'delete', ...target };
  }
  if (oci.route === 'blob' && request.method === 'DELETE') return { action: 'delete', ...target };
  return undefined;
}

/** A refused push or delete: what was asked, without per-request parts such as an upload id. */
function denialOf(request: FastifyRequest, status: number): { action: string; repository: string; reference?: string; detail: string } | undefined {
  const oci = request.oci;
  if (!oci || (status !== 401 && status !== 403)) return undefined;
  const needed = requirementOf(oci.route, request.method, oci.name);
  if (needed.kind !== 'repository' || needed.action === 'pull') return undefined;
  const named = oci.route === 'manifest' || oci.route === 'blob';
  return {
    action: needed.action,
    repository: oci.name,
    ...(named && oci.reference ? { reference: oci.reference } : {}),
    detail: `${request.method} ${oci.route}: HTTP ${status}`,
  };
}
