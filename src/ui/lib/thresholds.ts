import type { DecodeConfig } from '../../engine/config/index.ts';
import type { Threshold } from '../charts/entropyTimeline.ts';

/** The entropy thresholds the active strategy acts on (drawn on the timeline). */
export function strategyThresholds(c: DecodeConfig): Threshold[] {
  switch (c.strategy) {
    case 'adadec':
      return [{ label: 'AdaDec τ', value: c.adadec_tau, of: 'entropy' }];
    case 'cntp':
      return [
        { label: 'CNTP low', value: c.cntp_entropy_min, of: 'entropy' },
        { label: 'CNTP high', value: c.cntp_entropy_max, of: 'entropy' },
      ];
    case 'entropix':
      return [
        { label: 'entropy threshold', value: c.entropix_entropy_threshold, of: 'entropy' },
        { label: 'varentropy threshold', value: c.entropix_varentropy_threshold, of: 'varentropy' },
      ];
    default:
      return [];
  }
}
