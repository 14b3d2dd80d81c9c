/**
 * A secret the server returns once (robot secret, access token, generated password): shown in
 * full with a copy button and a plain warning that it will not be shown again, until dismissed.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { CopyButton } from '../../components';

export function SecretOnce({ title, label, secret, children, onDone }: {
  title: string;
  /** What the secret is, for the copy button and screen readers ("Robot secret"). */
  label: string;
  secret: string;
  children?: ComponentChildren;
  onDone: () => void;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  // Move focus here so keyboard and screen-reader users learn the secret appeared.
  useEffect(() => heading.current?.focus(), [secret]);
  return (
    <section class="card secret-once" aria-labelledby="secret-once-title">
      <h2 id="secret-once-title" ref={heading} tabIndex={-1}>
        {title}
      </h2>
      <p class="secret-warning" role="note">
        <strong>Copy it now.</strong> It is shown only this once: Berth keeps a hash, not the secret. If it is lost, create a
        new one.
      </p>
      <div class="secret-row">
        <code class="secret-value" aria-label={label}>
          {secret}
        </code>
        <CopyButton text={secret} label={`Copy ${label.toLowerCase()}`} />
      </div>
      {children}
      <button type="button" class="button" onClick={onDone}>
        I have copied it
      </button>
    </section>
  );
}
