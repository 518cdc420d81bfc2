import { Pipe, type PipeTransform } from '@angular/core';
import type { ProviderStatus } from '@oz/workspace-contract';

/** The quota chart in words, for screen readers. */
@Pipe({ name: 'quotaSummary' })
export class QuotaSummaryPipe implements PipeTransform {
  transform(providers: readonly ProviderStatus[]): string {
    return providers.map((p) => `${p.key} ${p.quota?.used ?? 0} of ${p.quota?.limit ?? 0}`).join('; ');
  }
}
