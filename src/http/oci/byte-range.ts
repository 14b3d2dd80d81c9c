/** Parsing of `Range` (blob reads) and `Content-Range` (upload chunks). */
import { BlobUploadInvalidError, RangeInvalidError } from '../../core/errors.js';
import type { ReadRange } from '../../ports/blob-store.js';

/**
 * A single `bytes=` range resolved against the blob size. Undefined means "send it all"
 * (no header, or a form we do not serve partially such as several ranges — RFC 9110 allows
 * answering those with the whole representation).
 */
export function parseRange(header: string | undefined, size: number): ReadRange | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, first, last] = match;
  let start: number;
  let end: number;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) throw unsatisfiable(header, size);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(first);
    end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
    if (last !== '' && Number(last) < start) throw unsatisfiable(header, size);
  }
  if (start >= size) throw unsatisfiable(header, size);
  return { start, end };
}

function unsatisfiable(header: string, size: number) {
  return new RangeInvalidError(`range "${header}" is not satisfiable for a blob of ${size} bytes`, { range: header, size });
}

/** An upload chunk's `Content-Range: <start>-<end>` (the `bytes ` prefix is tolerated). */
export function parseContentRange(header: string | undefined): { start: number; end: number } | undefined {
  if (!header) return undefined;
  const match = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(header.trim());
  if (!match) {
    throw new BlobUploadInvalidError(`malformed Content-Range "${header.slice(0, 80)}"; expected <start>-<end>`);
  }
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (end < start) throw new RangeInvalidError(`Content-Range end ${end} is before its start ${start}`);
  return { start, end };
}
