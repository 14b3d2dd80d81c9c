/**
 * A filter kept in the URL (`?q=`): typing updates the box at once and the URL (hence the
 * server query) after a pause; the page goes back to 1 when the filter changes.
 */
import { useEffect, useState } from 'preact/hooks';
import { Field } from '../../components';
import { useQuery } from '../../router';
import { useDebounced } from './use-debounced';

export function FilterBox({ id, label, placeholder }: { id: string; label: string; placeholder?: string }) {
  const [query, setQuery] = useQuery();
  const current = query.get('q') ?? '';
  const [text, setText] = useState(current);
  const settled = useDebounced(text);
  useEffect(() => {
    if (settled.trim() !== current) setQuery({ q: settled.trim() || null, page: null });
  }, [settled]);
  return (
    <Field id={id} label={label}>
      {(props) => (
        <input
          {...props}
          class="input"
          type="search"
          autoComplete="off"
          placeholder={placeholder}
          value={text}
          onInput={(event) => setText(event.currentTarget.value)}
        />
      )}
    </Field>
  );
}
