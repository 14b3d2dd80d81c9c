/**
 * What the AccessStore suite's test groups share: the store, names unique to this run, and
 * records to create. Every name carries the run's prefix so a database that holds other
 * runs' records (or a real registry's) does not disturb the checks, and so the final test
 * can tell what this run left behind.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { AccessStore, PersonalTokenRecord, ProjectRecord, RobotRecord, UserRecord } from '../access-store.js';

export interface AccessStoreHarness {
  store: AccessStore;
  teardown: () => Promise<void>;
}

/** A time with milliseconds and beyond 32 bits, so truncation to seconds or int4 shows. */
const BASE_TIME = Date.UTC(2024, 0, 2, 3, 4, 5, 678);

export function at(offsetMs: number): Date {
  return new Date(BASE_TIME + offsetMs);
}

/** Sorts as the contract means "by name": by code unit, which is by byte for ASCII names. */
export function byteOrder(values: string[]): string[] {
  return [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function byName<T extends { name: string }>(records: T[]): T[] {
  return [...records].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export class Fixtures {
  readonly run = `conf${randomBytes(4).toString('hex')}`;
  /**
   * This run's audit events are dated in a random stretch of the 1970s: pruning and time
   * windows then only ever meet this run's events, never a real registry's.
   */
  readonly auditBase = Date.UTC(1971, 0, 1) + randomInt(0, 2 ** 38);
  /** Every audit actor this run used, so the last test can check all were pruned. */
  readonly actors = new Set<string>();
  readonly tokenIds = new Set<string>();
  readonly projects = new Set<string>();
  #harness: AccessStoreHarness | undefined;
  #sequence = 0;

  set harness(harness: AccessStoreHarness) {
    this.#harness = harness;
  }

  get harness(): AccessStoreHarness | undefined {
    return this.#harness;
  }

  store(): AccessStore {
    if (this.#harness === undefined) throw new Error('the store was not built');
    return this.#harness.store;
  }

  name(label: string): string {
    return `${this.run}-${label}-${++this.#sequence}`;
  }

  actor(label: string): string {
    const actor = this.name(label);
    this.actors.add(actor);
    return actor;
  }

  userRecord(name: string, fields: Partial<UserRecord> = {}): UserRecord {
    return {
      name,
      passwordHash: `$test$${name}$hash`,
      systemAdmin: false,
      disabled: false,
      createdAt: at(0),
      ...fields,
    };
  }

  async createUser(label: string, fields: Partial<UserRecord> = {}): Promise<UserRecord> {
    const user = this.userRecord(this.name(label), fields);
    await this.store().createUser(user);
    return user;
  }

  async createProject(label: string, fields: Partial<ProjectRecord> = {}): Promise<ProjectRecord> {
    const project: ProjectRecord = { name: this.name(label), visibility: 'private', createdAt: at(0), ...fields };
    this.projects.add(project.name);
    await this.store().createProject(project);
    return project;
  }

  robotRecord(project: string, label: string, fields: Partial<RobotRecord> = {}): RobotRecord {
    return {
      name: `robot$${project}+${label}`,
      project,
      secretHash: `$test$${project}+${label}$hash`,
      actions: ['pull'],
      expiresAt: undefined,
      disabled: false,
      createdAt: at(0),
      ...fields,
    };
  }

  tokenRecord(user: string, label: string, fields: Partial<PersonalTokenRecord> = {}): PersonalTokenRecord {
    const id = fields.id ?? this.name(`token-${label}`);
    this.tokenIds.add(id);
    return {
      id,
      user,
      name: label,
      secretHash: `$test$${id}$hash`,
      expiresAt: undefined,
      createdAt: at(0),
      lastUsedAt: undefined,
      ...fields,
    };
  }

  mine<T extends { name: string }>(records: T[]): T[] {
    return records.filter((r) => r.name.startsWith(`${this.run}-`) || r.name.startsWith(`robot$${this.run}-`));
  }
}
