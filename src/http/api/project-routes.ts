/**
 *   GET    /api/v1/projects                           projects the caller can see
 *   POST   /api/v1/projects                           create {name, visibility?, proxy? | group?, mirrorOf?}
 *   GET    /api/v1/projects/{name}
 *   PATCH  /api/v1/projects/{name}                    {visibility?, proxy?, group?, mirrorOf?}
 *   GET    /api/v1/projects/{name}/members
 *   GET    /api/v1/projects/{name}/members/{user}
 *   PUT    /api/v1/projects/{name}/members/{user}     {role}: add or change
 *   DELETE /api/v1/projects/{name}/members/{user}
 *   GET    /api/v1/projects/{name}/robots
 *   POST   /api/v1/projects/{name}/robots             create {name, actions, expiresAt? | expiresIn?}
 *   DELETE /api/v1/robots/{fullName}                  e.g. robot$team+ci (URL-encoded or not)
 */
import type { FastifyInstance } from 'fastify';
import type { AccessAdmin } from '../../core/access/access-admin.js';
import { InvalidInputError, NotFoundError } from '../../core/errors.js';
import { optionalExpiry, optionalString, readJsonObject, requiredString, requiredStrings } from './api-body.js';
import { memberJson, projectJson, robotJson } from './api-json.js';
import { param, type Wrap } from './api-route.js';
import { groupBody, mirrorBody, proxyBody } from './proxy-body.js';

export function registerProjectRoutes(app: FastifyInstance, admin: AccessAdmin, wrap: Wrap): void {
  app.get('/api/v1/projects', wrap(async (_request, _reply, actor) => ({ projects: (await admin.projects.list(actor)).map(projectJson) })));

  app.post(
    '/api/v1/projects',
    wrap(async (request, reply, actor) => {
      const body = await readJsonObject(request, ['name', 'visibility', 'proxy', 'group', 'mirrorOf']);
      const [proxy, group, mirrorOf] = [proxyBody(body), groupBody(body), mirrorBody(body)];
      if (proxy !== undefined && group !== undefined) throw new InvalidInputError('a project is a proxy or a group, not both', { allowed: ['proxy', 'group'] });
      const name = requiredString(body, 'name');
      let project =
        group === undefined
          ? await admin.projects.create(actor, name, optionalString(body, 'visibility'), proxy)
          : await admin.projects.createGroup(actor, name, optionalString(body, 'visibility') ?? 'private', group);
      if (typeof mirrorOf === 'string') project = await admin.projects.setMirrorOf(actor, name, mirrorOf);
      return reply.code(201).send(projectJson(project));
    }),
  );

  app.get('/api/v1/projects/:name', wrap(async (request, _reply, actor) => projectJson(await admin.projects.get(actor, param(request, 'name')))));

  app.patch(
    '/api/v1/projects/:name',
    wrap(async (request, _reply, actor) => {
      const body = await readJsonObject(request, ['visibility', 'proxy', 'group', 'mirrorOf']);
      const name = param(request, 'name');
      const visibility = optionalString(body, 'visibility');
      const [proxy, group, mirrorOf] = [proxyBody(body), groupBody(body), mirrorBody(body)];
      if (visibility === undefined && proxy === undefined && group === undefined && !('mirrorOf' in body)) {
        throw new InvalidInputError('send visibility, proxy, group or mirrorOf', { allowed: ['visibility', 'proxy', 'group', 'mirrorOf'] });
      }
      let project = proxy === undefined ? undefined : await admin.projects.setProxy(actor, name, proxy);
      if (group !== undefined) project = await admin.projects.setGroup(actor, name, group);
      if (mirrorOf !== undefined) project = await admin.projects.setMirrorOf(actor, name, mirrorOf);
      if (visibility !== undefined) project = await admin.projects.setVisibility(actor, name, visibility);
      return projectJson(project!);
    }),
  );

  app.get(
    '/api/v1/projects/:name/members',
    wrap(async (request, _reply, actor) => ({ members: (await admin.projects.members(actor, param(request, 'name'))).map(memberJson) })),
  );

  app.get(
    '/api/v1/projects/:name/members/:user',
    wrap(async (request, _reply, actor) => {
      const [project, user] = [param(request, 'name'), param(request, 'user')];
      const member = (await admin.projects.members(actor, project)).find((m) => m.user === user);
      if (!member) throw new NotFoundError(`${user} is not a member of project ${project}`, { project, user });
      return memberJson(member);
    }),
  );

  app.put(
    '/api/v1/projects/:name/members/:user',
    wrap(async (request, _reply, actor) => {
      const body = await readJsonObject(request, ['role']);
      const member = await admin.projects.setMember(actor, param(request, 'name'), param(request, 'user'), requiredString(body, 'role'));
      return memberJson(member);
    }),
  );

  app.delete(
    '/api/v1/projects/:name/members/:user',
    wrap(async (request, reply, actor) => {
      await admin.projects.removeMember(actor, param(request, 'name'), param(request, 'user'));
      return reply.code(204).send();
    }),
  );

  app.get(
    '/api/v1/projects/:name/robots',
    wrap(async (request, _reply, actor) => ({ robots: (await admin.robots.list(actor, param(request, 'name'))).map(robotJson) })),
  );

  app.post(
    '/api/v1/projects/:name/robots',
    wrap(async (request, reply, actor) => {
      const body = await readJsonObject(request, ['name', 'actions', 'expiresAt', 'expiresIn']);
      const input = { name: requiredString(body, 'name'), actions: requiredStrings(body, 'actions'), expiresAt: optionalExpiry(body, new Date()) };
      const { robot, secret } = await admin.robots.create(actor, param(request, 'name'), input);
      return reply.code(201).send({ ...robotJson(robot), secret });
    }),
  );

  app.delete(
    '/api/v1/robots/:name',
    wrap(async (request, reply, actor) => {
      await admin.robots.delete(actor, param(request, 'name'));
      return reply.code(204).send();
    }),
  );
}
