/**
 * /settings (system admins): the settings that may change while the server runs (GET/PATCH
 * /api/v1/settings). Each shows its value, whether the database or the config decides it, and can
 * be reset to the config's value. Changes apply at once and are audited.
 */
import { useState } from 'preact/hooks';
import { api } from '../../api';
import { EmptyState, ErrorBanner, Loading, PageHeader, RelativeTime, useToast } from '../../components';
import { useApi } from '../../use-api';
import type { Setting } from './types';
import { useAction } from './use-action';
import { useConfirm } from './use-confirm';

const TITLES: Record<string, string> = {
  'auth.builtin.anonymouspull': 'Anonymous pull',
  'auth.builtin.createprojects': 'Create projects on push',
};

export function Settings() {
  const settings = useApi<{ settings: Setting[] }>('/api/v1/settings');
  const save = useAction();
  const toast = useToast();
  const confirm = useConfirm();
  // The PATCH answers with every setting: show that at once rather than after another GET.
  const [latest, setLatest] = useState<Setting[] | null>(null);
  const list = latest ?? settings.data?.settings ?? [];

  const patch = async (key: string, value: boolean | null, message: string) => {
    const next = await save.run(() => api.patch<{ settings: Setting[] }>('/api/v1/settings', { [key]: value }));
    if (next) {
      setLatest(next.settings);
      toast.notify(message, 'success');
    }
  };

  const toggle = (s: Setting) => {
    const title = TITLES[s.key] ?? s.key;
    const next = !s.value;
    // Turning anonymous pull on opens every public project to the whole network: ask first.
    if (s.key === 'auth.builtin.anonymouspull' && next) {
      confirm.ask({
        title: 'Let anonymous visitors pull?',
        body: <p>Everyone who can reach this registry will be able to pull and browse every public project without signing in.</p>,
        confirmLabel: 'Turn on',
        action: async () => void (await patch(s.key, true, `${title} turned on`)),
      });
      return;
    }
    void patch(s.key, next, `${title} turned ${next ? 'on' : 'off'}`);
  };

  return (
    <>
      <PageHeader title="Settings">Changes apply at once, to every server sharing this database, and are recorded in the audit log.</PageHeader>
      <ErrorBanner error={save.error} title="The setting was not changed" />
      {settings.loading && !settings.data ? (
        <Loading label="Loading settings…" />
      ) : settings.error ? (
        <ErrorBanner error={settings.error} title="Settings could not be loaded" onRetry={settings.reload} />
      ) : list.length === 0 ? (
        <EmptyState title="No settings can change at run time">Everything else is in the config file.</EmptyState>
      ) : (
        <ul class="settings">
          {list.map((s) => {
            const id = `setting-${s.key.replace(/\W/g, '-')}`;
            return (
              <li key={s.key} class="card setting">
                <div class="setting-text">
                  <label for={id} class="setting-title">
                    {TITLES[s.key] ?? s.key}
                  </label>
                  <p id={`${id}-description`} class="muted">
                    {s.description}
                  </p>
                  <p class="small muted">
                    <code>{s.key}</code> ·{' '}
                    {s.source === 'database' ? (
                      <>
                        set{s.updatedBy ? ` by ${s.updatedBy}` : ''} {s.updatedAt ? <RelativeTime value={s.updatedAt} /> : null}; the config says{' '}
                        {s.configValue ? 'on' : 'off'}
                      </>
                    ) : (
                      'from the config'
                    )}
                  </p>
                </div>
                <div class="setting-controls">
                  <input
                    id={id}
                    type="checkbox"
                    role="switch"
                    class="switch"
                    aria-describedby={`${id}-description`}
                    checked={s.value}
                    disabled={save.busy}
                    onChange={(e) => {
                      e.currentTarget.checked = s.value; // the server's answer decides
                      toggle(s);
                    }}
                  />
                  <span aria-hidden="true" class="switch-state">
                    {s.value ? 'On' : 'Off'}
                  </span>
                  {s.source === 'database' ? (
                    <button type="button" class="button button-small" disabled={save.busy} onClick={() => void patch(s.key, null, `${TITLES[s.key] ?? s.key} follows the config again`)}>
                      Reset to config
                    </button>
                  ) : null}
                </div>
              </li>
            );
          })}
        </ul>
      )}
      {confirm.dialog}
    </>
  );
}
