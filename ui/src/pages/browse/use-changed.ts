import { useEffect, useRef } from 'preact/hooks';

/** Calls `action` when `value` changes after the first render (not on mount). */
export function useChanged(value: unknown, action: () => void): void {
  const previous = useRef(value);
  useEffect(() => {
    if (previous.current === value) return;
    previous.current = value;
    action();
  }, [value]);
}
