import { useEffect, useState } from 'preact/hooks';

/** `value`, once it has stopped changing for `ms` (a filter box should not query per key press). */
export function useDebounced<T>(value: T, ms = 250): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}
