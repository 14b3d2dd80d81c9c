/**
 * What UI users write on a repository: an edited description (push right; it wins over the
 * descriptions pushes bring until cleared with "") and stars (signed-in users who may pull;
 * a robot or an anonymous caller has no one to star as). Audited like every change.
 */
import { MAX_DESCRIPTION_LENGTH, type DescriptionSource } from '../../ports/metadata-browse.js';
import type { Actor } from '../access/admin-context.js';
import { DeniedError, InvalidInputError, NotFoundError, UnauthorizedError } from '../errors.js';
import { readableRepository, type BrowseDeps } from './browse-deps.js';

export class RepositoryMarks {
  constructor(private readonly deps: BrowseDeps) {}

  async setDescription(actor: Actor, repository: string, text: string): Promise<{ description: string; descriptionSource: DescriptionSource | undefined }> {
    const actions = await readableRepository(this.deps, actor, repository);
    const length = Array.from(text).length;
    const detail = text === '' ? 'cleared' : `length=${length}`;
    if (!actions.has('push')) throw await this.deps.ctx.deny(actor, 'description.set', { repository, detail });
    if (length > MAX_DESCRIPTION_LENGTH) {
      throw new InvalidInputError(`description is ${length} characters long; at most ${MAX_DESCRIPTION_LENGTH} are kept`, { field: 'description' });
    }
    if (!(await this.deps.metadata.setEditedDescription(repository, text === '' ? undefined : text))) {
      throw new NotFoundError(`repository ${repository} not found`, { repository });
    }
    await this.deps.ctx.record(actor, 'description.set', { repository, detail });
    const [facts] = await this.deps.metadata.repositoryFacts({ repository });
    return { description: facts?.description ?? '', descriptionSource: facts?.descriptionSource };
  }

  async star(actor: Actor, repository: string, on: boolean): Promise<void> {
    if (actor.kind === 'anonymous') throw new UnauthorizedError('sign in to star repositories');
    if (actor.kind === 'robot') {
      throw new DeniedError('robot accounts cannot star repositories: sign in as a user', { account: actor.name });
    }
    await readableRepository(this.deps, actor, repository);
    const { metadata, ctx } = this.deps;
    const changed = on ? await metadata.star(repository, actor.name, ctx.deps.now()) : await metadata.unstar(repository, actor.name);
    if (changed) await ctx.record(actor, on ? 'star' : 'unstar', { repository });
  }
}
