/**
 *   GET    /api/v1/users                    list (system admins)
 *   POST   /api/v1/users                    create {name, password?, systemAdmin?}
 *   GET    /api/v1/users/{name}             one user (system admins, or the user)
 *   PATCH  /api/v1/users/{name}             {password?, currentPassword?, disabled?, systemAdmin?}
 *   DELETE /api/v1/users/{name}
 *   GET    /api/v1/users/{name}/tokens      the user's personal access tokens
 *   POST   /api/v1/users/{name}/tokens      create {name, expiresAt? | expiresIn?}
 *   DELETE /api/v1/users/{name}/tokens/{id}
 *   GET    /api/v1/users/{name}/refresh-tokens        offline logins (the user or system admins)
 *   DELETE /api/v1/users/{name}/refresh-tokens/{id}
 */
import type { FastifyInstance } from 'fastify';
import type { AccessAdmin } from '../../core/access/access-admin.js';
import { assertPassword } from '../../core/access/admin-rules.js';
import { optionalBoolean, optionalExpiry, optionalString, readJsonObject, requiredString } from './api-body.js';
import { refreshTokenJson, tokenJson, userJson } from './api-json.js';
import { param, type Wrap } from './api-route.js';

export function registerUserRoutes(app: FastifyInstance, admin: AccessAdmin, wrap: Wrap): void {
  app.get('/api/v1/users', wrap(async (_request, _reply, actor) => ({ users: (await admin.users.list(actor)).map(userJson) })));

  app.post(
    '/api/v1/users',
    wrap(async (request, reply, actor) => {
      const body = await readJsonObject(request, ['name', 'password', 'systemAdmin']);
      const created = await admin.users.create(actor, {
        name: requiredString(body, 'name'),
        password: optionalString(body, 'password'),
        systemAdmin: optionalBoolean(body, 'systemAdmin'),
      });
      return reply.code(201).send({ ...userJson(created.user), password: created.generatedPassword });
    }),
  );

  app.get('/api/v1/users/:name', wrap(async (request, _reply, actor) => userJson(await admin.users.get(actor, param(request, 'name')))));

  app.patch(
    '/api/v1/users/:name',
    wrap(async (request, _reply, actor) => {
      const name = param(request, 'name');
      const body = await readJsonObject(request, ['password', 'currentPassword', 'disabled', 'systemAdmin']);
      const password = optionalString(body, 'password');
      const changes = { disabled: optionalBoolean(body, 'disabled'), systemAdmin: optionalBoolean(body, 'systemAdmin') };
      // Every value is checked before anything is written, so a refused request changes nothing.
      if (password !== undefined) assertPassword(password);
      if (changes.disabled !== undefined || changes.systemAdmin !== undefined) await admin.users.update(actor, name, changes);
      if (password !== undefined) await admin.users.setPassword(actor, name, password, optionalString(body, 'currentPassword'));
      return userJson(await admin.users.get(actor, name));
    }),
  );

  app.delete(
    '/api/v1/users/:name',
    wrap(async (request, reply, actor) => {
      await admin.users.delete(actor, param(request, 'name'));
      return reply.code(204).send();
    }),
  );

  app.get(
    '/api/v1/users/:name/tokens',
    wrap(async (request, _reply, actor) => ({ tokens: (await admin.tokens.list(actor, param(request, 'name'))).map(tokenJson) })),
  );

  app.post(
    '/api/v1/users/:name/tokens',
    wrap(async (request, reply, actor) => {
      const body = await readJsonObject(request, ['name', 'expiresAt', 'expiresIn']);
      const input = { name: requiredString(body, 'name'), expiresAt: optionalExpiry(body, new Date()) };
      const { view, token } = await admin.tokens.create(actor, param(request, 'name'), input);
      return reply.code(201).send({ ...tokenJson(view), token });
    }),
  );

  app.delete(
    '/api/v1/users/:name/tokens/:id',
    wrap(async (request, reply, actor) => {
      await admin.tokens.revoke(actor, param(request, 'id'), param(request, 'name'));
      return reply.code(204).send();
    }),
  );

  app.get(
    '/api/v1/users/:name/refresh-tokens',
    wrap(async (request, _reply, actor) => ({
      refreshTokens: (await admin.refreshTokens.list(actor, param(request, 'name'))).map(refreshTokenJson),
    })),
  );

  app.delete(
    '/api/v1/users/:name/refresh-tokens/:id',
    wrap(async (request, reply, actor) => {
      await admin.refreshTokens.revoke(actor, param(request, 'id'), param(request, 'name'));
      return reply.code(204).send();
    }),
  );
}
