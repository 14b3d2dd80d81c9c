/**
 * Robot accounts: credentials for CI and machines, bound to one project and a fixed set of
 * actions on all its repositories. Their full login name is `robot$<project>+<name>` (`$` and
 * `+` cannot occur in a project or robot name, so the name alone says which project it is
 * in). The secret is generated here, returned once, and kept only as a hash.
 */
import type { RobotRecord } from '../../ports/access-store.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import { roleManages } from './actions.js';
import { newSecret, type Actor, type AdminContext } from './admin-context.js';
import { assertFutureExpiry, assertProjectName, assertRobotActions, assertRobotName } from './admin-rules.js';
import { robotView, type RobotView } from './admin-views.js';
import { ROBOT_PREFIX } from './authenticator.js';
import { unknownProject } from './project-admin.js';

export interface NewRobot {
  name: string;
  actions: readonly string[];
  expiresAt?: Date;
}

export function robotFullName(project: string, name: string): string {
  return `${ROBOT_PREFIX}${project}+${name}`;
}

/** The project and short name in a full robot name, or undefined when it is not one. */
export function parseRobotName(fullName: string): { project: string; name: string } | undefined {
  if (!fullName.startsWith(ROBOT_PREFIX)) return undefined;
  const rest = fullName.slice(ROBOT_PREFIX.length);
  const plus = rest.indexOf('+');
  if (plus <= 0 || plus === rest.length - 1) return undefined;
  return { project: rest.slice(0, plus), name: rest.slice(plus + 1) };
}

export class RobotAdmin {
  constructor(private readonly ctx: AdminContext) {}

  /** One project's robots, or (without a project) every robot the actor may manage. */
  async list(actor: Actor, project?: string): Promise<RobotView[]> {
    if (project !== undefined) {
      await this.ctx.requireProjectManager(actor, project, 'robot.list');
      await this.requireProject(project);
      return (await this.ctx.store.listRobots(project)).map(robotView);
    }
    if (this.ctx.isSystemAdmin(actor)) return (await this.ctx.store.listRobots(undefined)).map(robotView);
    if (actor.kind !== 'user') throw await this.ctx.deny(actor, 'robot.list');
    const managed = (await this.ctx.store.memberships(actor.name)).filter((m) => roleManages(m.role));
    const lists = await Promise.all(managed.map((m) => this.ctx.store.listRobots(m.project)));
    return lists.flat().map(robotView);
  }

  /** Creates a robot; `secret` is its password, returned this once. */
  async create(actor: Actor, project: string, input: NewRobot): Promise<{ robot: RobotView; secret: string }> {
    const name = robotFullName(project, input.name);
    await this.ctx.requireProjectManager(actor, project, 'robot.create', { detail: `robot=${name}` });
    await this.ctx.requirePassword(actor, 'robot.create', { repository: project, detail: `robot=${name}` });
    assertProjectName(project);
    assertRobotName(input.name);
    const actions = assertRobotActions(input.actions);
    const now = this.ctx.deps.now();
    const expiresAt = assertFutureExpiry(input.expiresAt, now);
    await this.requireProject(project);
    const secret = newSecret();
    const record: RobotRecord = {
      name,
      project,
      secretHash: await this.ctx.deps.hasher.hash(secret),
      actions,
      expiresAt,
      disabled: false,
      createdAt: now,
    };
    await this.ctx.createOnce(
      () => this.ctx.store.createRobot(record),
      async () => (await this.ctx.store.robot(name)) !== undefined,
      () => new ConflictError(`robot account ${name} already exists`, { name }),
    );
    const expiry = expiresAt === undefined ? '' : ` expiresAt=${expiresAt.toISOString()}`;
    await this.ctx.record(actor, 'robot.create', { repository: project, detail: `robot=${name} actions=${actions.join(',')}${expiry}` });
    return { robot: robotView(record), secret };
  }

  async delete(actor: Actor, fullName: string): Promise<void> {
    const parsed = parseRobotName(fullName);
    if (!parsed) {
      throw new InvalidInputError(`"${fullName.slice(0, 80)}" is not a robot account name; they read robot$<project>+<name>`);
    }
    await this.ctx.requireProjectManager(actor, parsed.project, 'robot.delete', { detail: `robot=${fullName}` });
    // Revoked (and audited) first; deleting the robot then removes the records.
    await this.ctx.revokeRefreshTokens(actor, { accountKind: 'robot', account: fullName }, 'robot deleted');
    if (!(await this.ctx.store.deleteRobot(fullName))) {
      throw new NotFoundError(`robot account ${fullName} does not exist`, { name: fullName });
    }
    await this.ctx.record(actor, 'robot.delete', { repository: parsed.project, detail: `robot=${fullName}` });
  }

  private async requireProject(project: string): Promise<void> {
    if (!(await this.ctx.store.project(project))) throw unknownProject(project);
  }
}
