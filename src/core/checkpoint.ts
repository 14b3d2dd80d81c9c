/**
 * Named points between the steps of a push and of a collection, where a test can stop one side
 * and let the other run. The race tests use them to force each interleaving of the collector's
 * protocol deterministically (no sleeps), and the stress test to shuffle the order of steps.
 * Production passes no checkpoint; an absent one costs a single comparison per step.
 */
export type CheckpointName =
  /** An upload claimed its digest; its bytes are not yet published. */
  | 'upload:claimed'
  /** An upload's bytes are published; metadata does not record it yet. */
  | 'upload:committed'
  /** A mount found the blob recorded and its bytes present; the link is not yet written. */
  | 'mount:checked'
  /** A manifest is parsed and about to be stored. */
  | 'manifest:parsed'
  /** The collector decided what is garbage; nothing is removed yet. */
  | 'gc:planned'
  /** A batch of blobs is tombstoned; their bytes are still there. */
  | 'gc:tombstoned'
  /** A batch of blobs' bytes is gone; their rows are still tombstoned. */
  | 'gc:bytes-deleted';

export type Checkpoint = (name: CheckpointName, digests: readonly string[]) => Promise<void>;
