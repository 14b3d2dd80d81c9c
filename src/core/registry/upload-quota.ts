/**
 * A project's quota as its uploads see it: what its manifests hold (the counters of
 * core/lifecycle/quota.ts) plus what its unfinished uploads have staged. Staged bytes are not
 * usage yet, but they are disk the project is taking: without counting them, a project over
 * its quota could stage any amount in sessions it never completes.
 */
import type { MetadataStore } from '../../ports/metadata-store.js';
import type { ProjectPolicy } from '../../ports/policy-store.js';
import { projectOf } from '../../ports/project-name.js';
import { DeniedError } from '../errors.js';
import { exactBytes, quotaExceeded } from '../lifecycle/quota.js';

export interface UploadRoom {
  project: string;
  limitBytes: number;
  usedBytes: number;
  stagedBytes: number;
  /** What the project may still stage (may be negative when it is already over). */
  roomBytes: number;
}

/**
 * The room left in `repository`'s project, or undefined when nothing limits it: no quota, or
 * a `digest` the project already holds (completing it adds nothing to the project).
 */
export async function uploadRoom(
  metadata: MetadataStore,
  policy: ProjectPolicy | undefined,
  repository: string,
  digest?: string,
): Promise<UploadRoom | undefined> {
  const limitBytes = policy?.quotaBytes;
  if (limitBytes === undefined) return undefined;
  const project = projectOf(repository);
  if (digest !== undefined && (await metadata.projectHoldsBlob(project, digest))) return undefined;
  const [current] = await metadata.projectUsage(project);
  const usedBytes = current === undefined ? 0 : current.blobBytes + current.manifestBytes;
  const { stagedBytes } = await metadata.uploadTotals({ project });
  return { project, limitBytes, usedBytes, stagedBytes, roomBytes: limitBytes - usedBytes - stagedBytes };
}

/**
 * The refusal of `addingBytes` more (undefined: a body of unknown length that went past the
 * room). Without staged bytes in the way it is the manifest put's refusal, word for word.
 */
export function uploadQuotaExceeded(room: UploadRoom, addingBytes: number | undefined): DeniedError {
  if (room.stagedBytes === 0 && addingBytes !== undefined) {
    return quotaExceeded(room.project, room.usedBytes, addingBytes, room.limitBytes);
  }
  const adding =
    addingBytes === undefined
      ? `and this chunk is larger than the ${exactBytes(Math.max(room.roomBytes, 0))} left`
      : `this push needs ${exactBytes(addingBytes)} more`;
  return new DeniedError(
    `project ${room.project} would exceed its storage quota of ${exactBytes(room.limitBytes)}: ${exactBytes(room.usedBytes)} used, ` +
      `${exactBytes(room.stagedBytes)} staged by unfinished uploads, ${adding}; complete or cancel unfinished uploads ` +
      'or delete what the project no longer needs',
    {
      rule: 'quota',
      project: room.project,
      usedBytes: room.usedBytes,
      stagedBytes: room.stagedBytes,
      ...(addingBytes === undefined ? {} : { addingBytes }),
      limitBytes: room.limitBytes,
    },
  );
}
