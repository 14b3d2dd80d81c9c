/**
 *   GET   /api/v1/projects/{name}/policy          {writePolicy, immutableTags, quotaBytes, retention}
 *   PATCH /api/v1/projects/{name}/policy          any of {writePolicy, immutableTags, quota, retention}
 *   GET   /api/v1/projects/{name}/usage           the project's usage, per repository too
 *   GET   /api/v1/usage                           every project's usage (system admins)
 *   POST  /api/v1/projects/{name}/retention/run   {dryRun?}: apply (or list) the retention rules
 *   POST  /api/v1/gc                              {dryRun?, grace?, full?, now?}: collect garbage (now: see `berth gc --now`)
 *   GET   /api/v1/gc                              the collection running here or elsewhere, an interrupted one, the last one
 *
 * Who may do what is core's (core/lifecycle/storage-admin.ts); this file reads and checks the
 * JSON with the same validators as the CLI (core/lifecycle/policy-input.ts). The POSTs take a
 * JSON body even when every field is optional: the body's Content-Type is what keeps a
 * cross-site page from triggering a run (see api-body.ts), so `{}` is the least a caller sends.
 */
import type { FastifyInstance } from 'fastify';
import { InvalidInputError } from '../../core/errors.js';
import {
  parseQuota,
  parseRetentionRule,
  parseTagPattern,
  parseWritePolicy,
  type PolicyChange,
} from '../../core/lifecycle/policy-input.js';
import type { StorageAdmin } from '../../core/lifecycle/storage-admin.js';
import { optionalBoolean, readJsonObject, type JsonObject } from './api-body.js';
import { gcReportJson, gcStatusJson, policyJson, retentionJson, usageJson } from './api-json.js';
import { param, type Wrap } from './api-route.js';

const POLICY_FIELDS = ['writePolicy', 'immutableTags', 'quota', 'retention'] as const;
/** Ten years: a longer grace period is a typo (milliseconds given as seconds, say). */
const MAX_GRACE_SECONDS = 10 * 365 * 24 * 3600;

export function registerStorageRoutes(app: FastifyInstance, storage: StorageAdmin, wrap: Wrap): void {
  app.get('/api/v1/projects/:name/policy', wrap(async (request, _reply, actor) => policyJson(await storage.policy(actor, param(request, 'name')))));

  app.patch(
    '/api/v1/projects/:name/policy',
    wrap(async (request, _reply, actor) => {
      const change = policyChangeOf(await readJsonObject(request, POLICY_FIELDS));
      return policyJson(await storage.setPolicy(actor, param(request, 'name'), change));
    }),
  );

  app.get('/api/v1/projects/:name/usage', wrap(async (request, _reply, actor) => usageJson(await storage.usage(actor, param(request, 'name')))));

  app.get('/api/v1/usage', wrap(async (_request, _reply, actor) => ({ projects: (await storage.usageAll(actor)).map(usageJson) })));

  app.post(
    '/api/v1/projects/:name/retention/run',
    wrap(async (request, _reply, actor) => {
      const body = await readJsonObject(request, ['dryRun']);
      return retentionJson(await storage.runRetention(actor, param(request, 'name'), optionalBoolean(body, 'dryRun') ?? false));
    }),
  );

  app.post(
    '/api/v1/gc',
    wrap(async (request, _reply, actor) => {
      const body = await readJsonObject(request, ['dryRun', 'grace', 'full', 'now']);
      const grace = optionalSeconds(body, 'grace', MAX_GRACE_SECONDS);
      const report = await storage.gc(actor, {
        dryRun: optionalBoolean(body, 'dryRun') ?? false,
        full: optionalBoolean(body, 'full') ?? false,
        purge: optionalBoolean(body, 'now') ?? false,
        ...(grace === undefined ? {} : { graceMs: Math.round(grace * 1000) }),
      });
      return gcReportJson(report);
    }),
  );

  app.get('/api/v1/gc', wrap(async (_request, _reply, actor) => gcStatusJson(await storage.gcStatus(actor))));
}

/** The change a PATCH asks for, every value checked before anything is written. */
function policyChangeOf(body: JsonObject): PolicyChange {
  const change: PolicyChange = {};
  if (body.writePolicy !== undefined) change.writePolicy = parseWritePolicy(body.writePolicy);
  if (body.immutableTags !== undefined) change.immutableTags = listOf(body, 'immutableTags', parseTagPattern);
  // null is a value here (remove the quota), so presence decides, not definedness.
  if ('quota' in body) change.quotaBytes = parseQuota(body.quota);
  if (body.retention !== undefined) change.retention = listOf(body, 'retention', parseRetentionRule);
  if (Object.keys(change).length === 0) throw new InvalidInputError(`nothing to change: give any of ${POLICY_FIELDS.join(', ')}`);
  return change;
}

/** An array whose items `parse` checks; a refusal names the item (`retention[1]: …`). */
function listOf<T>(body: JsonObject, key: string, parse: (value: unknown) => T): T[] {
  const value = body[key];
  if (!Array.isArray(value)) throw new InvalidInputError(`${key} must be an array`, { field: key });
  return value.map((item, index) => {
    try {
      return parse(item);
    } catch (error) {
      if (error instanceof InvalidInputError) throw new InvalidInputError(`${key}[${index}]: ${error.message}`, { field: key, index });
      throw error;
    }
  });
}

function optionalSeconds(body: JsonObject, key: string, max: number): number | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
    throw new InvalidInputError(`${key} must be a number of seconds from 0 to ${max}`, { field: key });
  }
  return value;
}
