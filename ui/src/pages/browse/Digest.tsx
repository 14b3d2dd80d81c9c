/** A digest shortened for reading, the full one on hover and in the copy button. */
import { CopyButton, shortDigest } from '../../components';
import { Link } from '../../router';

export function Digest({ digest, href, copy = true }: { digest: string; href?: string; copy?: boolean }) {
  const text = <code title={digest}>{shortDigest(digest)}</code>;
  return (
    <span class="digest">
      {href ? <Link href={href}>{text}</Link> : text}
      {copy ? <CopyButton text={digest} label={`Copy digest ${shortDigest(digest)}`} /> : null}
    </span>
  );
}
