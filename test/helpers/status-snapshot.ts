// A status snapshot with one of everything, for tests of the page and of its server.
import type { StatusSnapshot } from '../../gateway/status/snapshot.js';

export function sampleSnapshot(over: Partial<StatusSnapshot> = {}): StatusSnapshot {
  return {
    gateway: { id: 'GW-1', version: '0.1.0', boot: 'b', uptimeS: 12, clock: 'synced', at: '2026-11-30T10:00:00.000Z', timeZone: 'Asia/Shanghai' },
    venue: { id: 'V-1', name: '老王火锅', category: 'catering', risk: 'red', riskLabel: '高风险 high risk', reasons: [] },
    uplink: {
      configured: true,
      url: 'mqtts://[redacted]@platform:8883',
      connected: false,
      error: 'connect ECONNREFUSED 127.0.0.1:8883',
      backlog: { alarm: 1, event: 0, heartbeat: 0, telemetry: 3 },
      shed: { rows: 0, bytes: 0 },
    },
    centre: null,
    storage: { ok: true, failures: 0, lastError: null, unrecorded: 0, unsaved: false, outboxInMemory: false },
    openAlarms: [{ alarmId: 'a1', device: 'gas', channel: 'lel', state: 'alarm', acknowledged: false }],
    devices: [
      {
        id: 'gas',
        profile: 'gas-lel',
        bus: 'rs485',
        online: false,
        lastReason: 'timeout',
        polls: 10,
        failures: 3,
        lastGoodAt: null,
        breaker: 'closed',
        maintenance: false,
      },
    ],
    channels: [{ device: 'gas', channel: 'lel', kind: 'gas', state: 'alarm', latched: true, value: 31.25, unit: '%LEL', label: null }],
    outputs: [
      {
        id: 'valve',
        role: 'gas-valve',
        level: 'off',
        desired: 'off',
        observedState: 'closed',
        desiredState: 'closed',
        ok: true,
        detail: null,
        reason: 'linkage gas: gas/lel alarm',
      },
      {
        id: 'fan',
        role: 'fan',
        level: 'off',
        desired: 'on',
        observedState: 'off',
        desiredState: 'on',
        ok: false,
        detail: 'read back off after driving on',
        reason: 'linkage gas: gas/lel alarm',
      },
    ],
    closedValves: ['valve'],
    buses: [{ id: 'rs485', link: 'up', reason: null }],
    ...over,
  };
}
