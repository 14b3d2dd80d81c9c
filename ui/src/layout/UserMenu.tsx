/**
 * The signed-in user's name as a disclosure button opening My tokens and Sign out. A disclosure
 * (not an ARIA menu): Tab moves through it, Escape or a click elsewhere closes it.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { messageOf } from '../api';
import { useToast } from '../components';
import { Link, navigate } from '../router';
import { useSession } from '../session';

export function UserMenu({ name }: { name: string }) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const session = useSession();
  const toast = useToast();

  useEffect(() => {
    if (!open) return;
    const outside = (event: Event) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    const escape = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        setOpen(false);
        button.current?.focus();
      }
    };
    document.addEventListener('click', outside);
    document.addEventListener('keydown', escape);
    return () => {
      document.removeEventListener('click', outside);
      document.removeEventListener('keydown', escape);
    };
  }, [open]);

  const signOut = async () => {
    setOpen(false);
    try {
      await session.signOut();
      toast.notify('Signed out', 'success');
    } catch (error) {
      toast.notify(`Sign out failed: ${messageOf(error)}`, 'error');
    }
    navigate('/');
  };

  return (
    <div class="user-menu" ref={root}>
      <button
        ref={button}
        type="button"
        class="button user-menu-button"
        aria-expanded={open}
        aria-controls="user-menu-panel"
        onClick={() => setOpen(!open)}
      >
        <span class="visually-hidden">Account: </span>
        <span class="user-name">{name}</span>
        <span aria-hidden="true"> ▾</span>
      </button>
      <ul id="user-menu-panel" class="user-menu-panel" hidden={!open}>
        <li>
          <Link href="/account/tokens" class="user-menu-item" onClick={() => setOpen(false)}>
            My tokens
          </Link>
        </li>
        <li>
          <button type="button" class="user-menu-item" onClick={signOut}>
            Sign out
          </button>
        </li>
      </ul>
    </div>
  );
}
