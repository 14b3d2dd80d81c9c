/**
 * /projects/NAME/members: who may do what in a project. Project admins (and system admins) add
 * users with a role, change roles and remove members; other members see the list.
 */
import { useState } from 'preact/hooks';
import { api, enc } from '../../api';
import { EmptyState, ErrorBanner, Field, Loading, Table, useToast, type Column } from '../../components';
import type { Params } from '../../router';
import { roleIn, useSession } from '../../session';
import { useAction } from './use-action';
import { useConfirm } from './use-confirm';
import { useApi } from '../../use-api';
import { ProjectTabs } from './ProjectTabs';
import { ROLES, type Member, type Role } from './types';

const roleHelp: Record<Role, string> = {
  guest: 'pull',
  developer: 'pull and push',
  maintainer: 'pull, push and delete',
  admin: 'everything, members and robots too',
};

export function ProjectMembers({ params }: { params: Params }) {
  const project = params.name!;
  const { user } = useSession();
  const canManage = roleIn(user, project) === 'admin';
  const members = useApi<{ members: Member[] }>(`/api/v1/projects/${enc(project)}/members`);
  const toast = useToast();
  const confirm = useConfirm();
  const add = useAction();
  const change = useAction();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('developer');
  const path = (member: string) => `/api/v1/projects/${enc(project)}/members/${enc(member)}`;

  const submit = async (event: Event) => {
    event.preventDefault();
    const who = name.trim();
    if (!who) {
      add.setError(new Error('Enter the user name of the person to add.'));
      return;
    }
    const done = await add.run(() => api.put(path(who), { role }));
    if (done !== undefined) {
      toast.notify(`${who} is now ${role} of ${project}`, 'success');
      setName('');
      members.reload();
    }
  };

  const setMemberRole = async (member: Member, next: Role) => {
    const done = await change.run(() => api.put(path(member.user), { role: next }));
    if (done !== undefined) toast.notify(`${member.user} is now ${next}`, 'success');
    members.reload();
  };

  const columns: Column<Member>[] = [
    { key: 'user', header: 'User', render: (m) => m.user, sortable: true, value: (m) => m.user },
    {
      key: 'role',
      header: 'Role',
      sortable: true,
      value: (m) => ROLES.indexOf(m.role),
      render: (m) =>
        canManage ? (
          <select
            class="input input-inline"
            aria-label={`Role of ${m.user}`}
            value={m.role}
            disabled={change.busy}
            onChange={(event) => void setMemberRole(m, event.currentTarget.value as Role)}
          >
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        ) : (
          m.role
        ),
    },
    { key: 'may', header: 'May', render: (m) => <span class="muted">{roleHelp[m.role]}</span> },
  ];
  if (canManage) {
    columns.push({
      key: 'actions',
      header: <span class="visually-hidden">Actions</span>,
      className: 'actions',
      render: (m) => (
        <button
          type="button"
          class="button button-small button-danger-outline"
          aria-label={`Remove ${m.user}`}
          onClick={() =>
            confirm.ask({
              title: `Remove ${m.user} from ${project}?`,
              body: <p>They lose their {m.role} rights in {project} at once. Their personal access tokens stop working here too.</p>,
              confirmLabel: 'Remove member',
              action: async () => {
                await api.delete(path(m.user));
                toast.notify(`${m.user} removed from ${project}`, 'success');
                members.reload();
              },
            })
          }
        >
          Remove
        </button>
      ),
    });
  }

  return (
    <>
      <ProjectTabs project={project} title="Members" />
      <ErrorBanner error={change.error} title="The role was not changed" />
      {canManage ? (
        <form class="card form form-inline section" onSubmit={submit} noValidate aria-labelledby="add-member-title">
          <h2 id="add-member-title" class="form-title">Add a member</h2>
          <ErrorBanner error={add.error} />
          <div class="form-row">
            <Field id="member-name" label="User name" hint="An existing Berth user.">
              {(props) => (
                <input {...props} class="input" autoComplete="off" autoCapitalize="none" spellcheck={false} value={name} onInput={(e) => setName(e.currentTarget.value)} />
              )}
            </Field>
            <Field id="member-role" label="Role" hint={`May ${roleHelp[role]}.`}>
              {(props) => (
                <select {...props} class="input" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <button type="submit" class="button button-primary form-row-button" disabled={add.busy}>
              {add.busy ? 'Adding…' : 'Add member'}
            </button>
          </div>
        </form>
      ) : null}
      {members.loading && !members.data ? (
        <Loading label="Loading members…" />
      ) : members.error ? (
        <ErrorBanner error={members.error} title="Members could not be loaded" onRetry={members.reload} />
      ) : (
        <Table
          caption={`Members of ${project}`}
          columns={columns}
          rows={members.data?.members ?? []}
          rowKey={(m) => m.user}
          empty={
            <EmptyState title="No members yet">
              {canManage ? 'Add a user above to let them pull or push here.' : 'A project admin can add members.'}
            </EmptyState>
          }
        />
      )}
      {confirm.dialog}
    </>
  );
}
