/** The landing page. A placeholder until the overview (GET /api/v1/overview) is built on it. */
import { EmptyState, PageHeader } from '../components';
import { Link } from '../router';
import { useSession } from '../session';

export function Overview() {
  const { user, ready } = useSession();
  return (
    <>
      <PageHeader title="Overview">{user ? <>Signed in as <strong>{user.name}</strong></> : null}</PageHeader>
      {ready && !user ? (
        <EmptyState title="Welcome to Berth">
          Browse public repositories under <Link href="/projects">Projects</Link>, or sign in to see your own.
        </EmptyState>
      ) : (
        <EmptyState title="Nothing here yet">Storage, recent pushes and the biggest repositories will show here.</EmptyState>
      )}
    </>
  );
}
