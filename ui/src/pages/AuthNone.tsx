/**
 * The one page shown when the registry runs with `auth: none`: there are no accounts, so there
 * is nothing to sign in to and the management API the pages read is switched off.
 */
import { usePageTitle } from '../components';

export function AuthNone() {
  usePageTitle('Web UI unavailable');
  return (
    <main id="main" class="main narrow-wide">
      <h1 class="page-title">This registry runs without access control</h1>
      <div class="card prose">
        <p>
          Berth is running with <code>auth: none</code> (as registry:2 does without an <code>auth</code> section): anyone
          may push, pull and delete, and the management API this web UI reads is turned off.
        </p>
        <p>The web UI needs Berth's built-in accounts. To turn them on:</p>
        <ol>
          <li>
            Remove <code>auth: none</code> from the configuration file (or unset <code>REGISTRY_AUTH=none</code>): with no{' '}
            <code>auth</code> section Berth uses its built-in accounts.
          </li>
          <li>
            Start it with a first admin password, e.g. <code>BERTH_ADMIN_PASSWORD=… berth serve</code>, then sign in here as{' '}
            <code>admin</code>.
          </li>
          <li>
            Create projects and users (<code>berth project add NAME</code>, <code>berth user add NAME</code>); public projects
            stay pullable without a login.
          </li>
        </ol>
        <p class="muted small">
          Pushing and pulling keep working as they do now until you change the setting. See docs/configuration.md, “auth”.
        </p>
      </div>
    </main>
  );
}
