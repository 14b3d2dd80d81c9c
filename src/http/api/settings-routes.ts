/**
 *   GET   /api/v1/settings   {settings: [...]}: each system setting with the value in force,
 *                            where it comes from (database or config) and the config's value
 *   PATCH /api/v1/settings   {"auth.builtin.anonymouspull": false, …}: set (stored, wins over
 *                            the config) or, with null, reset to the config's; all or none
 * System admins only; changes are audited and apply at once (core/access/runtime-settings.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { AccessAdmin } from '../../core/access/access-admin.js';
import { SETTINGS } from '../../core/access/runtime-settings.js';
import { readJsonObject } from './api-body.js';
import { settingJson } from './api-json.js';
import type { Wrap } from './api-route.js';

export function registerSettingsRoutes(app: FastifyInstance, admin: AccessAdmin, wrap: Wrap): void {
  app.get('/api/v1/settings', wrap(async (_request, _reply, actor) => ({ settings: (await admin.settings.list(actor)).map(settingJson) })));

  app.patch(
    '/api/v1/settings',
    wrap(async (request, _reply, actor) => {
      const body = await readJsonObject(request, SETTINGS.map((s) => s.key));
      return { settings: (await admin.settings.update(actor, body)).map(settingJson) };
    }),
  );
}
