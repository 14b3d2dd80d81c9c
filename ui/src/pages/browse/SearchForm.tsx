/** A search box for a page body (the overview, the results page); the top bar has its own. */
import { useState } from 'preact/hooks';
import { navigate } from '../../router';
import { searchHref } from './paths';

export function SearchForm({ id, initial = '' }: { id: string; initial?: string }) {
  const [text, setText] = useState(initial);
  return (
    <form
      class="search-page-form"
      role="search"
      aria-label="Repositories"
      onSubmit={(event) => {
        event.preventDefault();
        const q = text.trim();
        if (q) navigate(searchHref(q));
      }}
    >
      <label class="visually-hidden" for={id}>
        Search repositories by name or description
      </label>
      <input
        id={id}
        class="input"
        type="search"
        placeholder="Search by name or description"
        autoComplete="off"
        value={text}
        onInput={(event) => setText(event.currentTarget.value)}
      />
      <button type="submit" class="button button-primary">
        Search
      </button>
    </form>
  );
}
