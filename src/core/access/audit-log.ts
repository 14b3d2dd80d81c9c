/** Records who did what; a failure to record is logged by the caller's logger, never fatal. */
import type { AccessStore, AuditEvent } from '../../ports/access-store.js';

export type AuditInput = Omit<AuditEvent, 'time' | 'repository' | 'reference' | 'detail'> &
  Partial<Pick<AuditEvent, 'repository' | 'reference' | 'detail'>>;

export class AuditLog {
  constructor(
    private readonly store: AccessStore,
    private readonly now: () => Date,
    private readonly onError: (error: unknown) => void,
  ) {}

  async record(input: AuditInput): Promise<void> {
    try {
      await this.store.appendAudit({
        time: this.now(),
        repository: undefined,
        reference: undefined,
        detail: undefined,
        ...input,
      });
    } catch (error) {
      this.onError(error);
    }
  }
}
