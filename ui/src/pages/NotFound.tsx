import { EmptyState, PageHeader } from '../components';
import { Link } from '../router';

export function NotFound() {
  return (
    <>
      <PageHeader title="Page not found" />
      <EmptyState title="There is no page at this address" action={<Link href="/" class="button">Go to the overview</Link>} />
    </>
  );
}

/** An admin-only page opened by someone who is not a system admin. */
export function Forbidden() {
  return (
    <>
      <PageHeader title="Not allowed" />
      <EmptyState title="This page is for system administrators" action={<Link href="/" class="button">Go to the overview</Link>} />
    </>
  );
}
