import type { LinegateConfig } from '../../config/types.js';
import type { GatewayView } from '../../gateway/api/view.js';

/** A GatewayView with only the config: no sources, store, production or alarms (route tests). */
export function bareView(config: LinegateConfig): GatewayView {
  return {
    config,
    machineState: () => undefined,
    commStats: () => undefined,
    links: () => [],
    startedAt: 0,
    version: 't',
  };
}
