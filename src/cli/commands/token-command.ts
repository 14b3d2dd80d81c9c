/**
 * `berth token add|list|rm`: personal access tokens, used as passwords (docker login, API);
 * `berth token refresh-list|refresh-rm`: the refresh tokens docker login keeps (its sessions).
 */
import { expiryFrom } from '../../core/access/lifetime.js';
import { parse, UsageError } from './cli-args.js';
import { print, printSecret, table, time } from './cli-output.js';
import { withAdmin } from './admin-session.js';
import { tokenUsage } from './manage-usage.js';

export async function tokenCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'add': {
      const { values, positionals } = parse(rest, { expires: { type: 'string' } }, tokenUsage, { min: 2, max: 2 });
      const expiresAt = expiryFrom(values.expires, new Date());
      return withAdmin(values.config, async ({ admin, actor }) => {
        const { view, token } = await admin.tokens.create(actor, positionals[0]!, { name: positionals[1]!, expiresAt });
        const until = view.expiresAt === undefined ? 'never expires' : `expires ${time(view.expiresAt)}`;
        print(`created token ${view.id} "${view.name}" for ${view.user} (${until}); use it as the password of ${view.user}`);
        printSecret('token', token);
      });
    }
    case 'list': {
      const { values, positionals } = parse(rest, {}, tokenUsage, { min: 1, max: 1 });
      return withAdmin(values.config, async ({ admin, actor }) => {
        const tokens = await admin.tokens.list(actor, positionals[0]!);
        const rows = tokens.map((t) => [t.id, t.name, time(t.createdAt), time(t.expiresAt, 'never'), time(t.lastUsedAt, 'never')]);
        print(table(['ID', 'NAME', 'CREATED', 'EXPIRES', 'LAST USED'], rows));
      });
    }
    case 'rm': {
      const { values, positionals } = parse(rest, {}, tokenUsage, { min: 1, max: 1 });
      return withAdmin(values.config, async ({ admin, actor }) => {
        await admin.tokens.revoke(actor, positionals[0]!);
        print(`revoked token ${positionals[0]}`);
      });
    }
    case 'refresh-list': {
      const { values, positionals } = parse(rest, {}, tokenUsage, { min: 1, max: 1 });
      return withAdmin(values.config, async ({ admin, actor }) => {
        const tokens = await admin.refreshTokens.list(actor, positionals[0]!);
        const rows = tokens.map((t) => [
          t.id,
          t.credentialKind === 'pat' ? `token ${t.tokenId}` : t.credentialKind === 'robot' ? 'robot secret' : 'password',
          time(t.createdAt),
          time(t.expiresAt),
          time(t.lastUsedAt, 'never'),
          t.revokedAt === undefined ? 'active' : `revoked ${time(t.revokedAt)}`,
        ]);
        print(table(['ID', 'OBTAINED WITH', 'CREATED', 'EXPIRES', 'LAST USED', 'STATUS'], rows));
      });
    }
    case 'refresh-rm': {
      const { values, positionals } = parse(rest, {}, tokenUsage, { min: 1, max: 1 });
      return withAdmin(values.config, async ({ admin, actor }) => {
        await admin.refreshTokens.revoke(actor, positionals[0]!);
        print(`revoked refresh token ${positionals[0]}`);
      });
    }
    default:
      throw new UsageError(sub === undefined ? 'missing subcommand' : `unknown subcommand "${sub}"`, tokenUsage);
  }
}
