/** What the main thread and the upload hashing thread (hash-thread.ts) say to each other. */
export type ToHashThread =
  | { op: 'start'; id: number; algorithm: string }
  | { op: 'update'; id: number; buffer: ArrayBuffer; length: number }
  | { op: 'digest'; id: number }
  | { op: 'drop'; id: number }
  /** How many hashes the thread holds (tests: a dropped upload must leave none). */
  | { op: 'count'; id: number };

export type FromHashThread =
  | { op: 'returned'; id: number; buffer: ArrayBuffer }
  | { op: 'digest'; id: number; hex: string }
  | { op: 'failed'; id: number; message: string }
  | { op: 'count'; id: number; live: number };
