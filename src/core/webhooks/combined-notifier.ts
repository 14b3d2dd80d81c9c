/**
 * The notifier the edge talks to: registry:2's endpoints (maybe the no-op twin) and the
 * project webhooks, behind the one `Notifier` the /v2 hook and the management API call.
 */
import type { Notifier } from '../events/notifier.js';
import type { EventInput } from '../events/registry-event.js';
import type { WebhookNotifier } from './webhook-notifier.js';

export class CombinedNotifier implements Notifier {
  readonly enabled = true;

  constructor(
    private readonly registry2: Notifier,
    private readonly webhooks: WebhookNotifier,
  ) {}

  publish(input: EventInput): void {
    if (this.registry2.enabled) this.registry2.publish(input);
    this.webhooks.publish(input);
  }

  quotaExceeded(repository: string, operator: string | undefined, host: string, details: string): void {
    this.webhooks.quotaExceeded(repository, operator, host, details);
  }

  async close(): Promise<void> {
    await Promise.all([this.registry2.close(), this.webhooks.close()]);
  }
}
