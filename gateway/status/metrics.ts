// /metrics in the Prometheus text format (prom-client), for an operations team watching thousands of
// boxes: the field bus, the devices, the channels, the outputs, the outbox, the uplink, storage, the clock,
// and the process (event-loop lag, RSS — prom-client's default metrics). Everything is read at scrape time
// from the same picture as the status page: nothing extra is kept or computed between scrapes.

import { statSync } from 'node:fs';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { BusStats } from '../../drivers/bus/bus.js';
import type { StatusSnapshot } from './snapshot.js';

export interface MetricsView {
  snapshot: StatusSnapshot;
  buses: ({ id: string; link: string } & BusStats)[];
  uplink: { connects: number; inFlight: number };
  /** SQLite files by name (outbox.db, state.db and their -wal): size in bytes, 0 when absent. */
  files: Record<string, string>;
}

const STATES = ['normal', 'warning', 'alarm', 'fault'] as const;
const BREAKER = ['closed', 'half-open', 'open'] as const;

function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export class GatewayMetrics {
  readonly registry = new Registry();

  constructor(view: () => MetricsView) {
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });
    const r = [this.registry];
    // One picture per scrape, shared by every metric's collect().
    let current: MetricsView | undefined;
    const v = () => (current ??= view());
    const reg = this.registry;
    const metrics = reg.metrics.bind(reg);
    reg.metrics = async () => {
      current = undefined;
      try {
        return await metrics();
      } finally {
        current = undefined;
      }
    };

    const busCounter = (name: string, help: string, key: keyof BusStats) =>
      new Counter({
        name,
        help,
        labelNames: ['bus'],
        registers: r,
        collect() {
          this.reset();
          for (const b of v().buses) this.inc({ bus: b.id }, b[key]);
        },
      });
    busCounter('jx_bus_transactions_total', 'Modbus transactions sent on the bus', 'transactions');
    busCounter('jx_bus_timeouts_total', 'Transactions that got no reply in time', 'timeouts');
    busCounter('jx_bus_exceptions_total', 'Modbus exception replies', 'exceptions');
    busCounter('jx_bus_crc_errors_total', 'Replies thrown away for a bad CRC', 'crcErrors');
    busCounter('jx_bus_link_losses_total', 'Times the serial port or TCP connection was lost', 'linkLosses');
    new Gauge({
      name: 'jx_bus_link_up',
      help: '1 while the port or connection is open',
      labelNames: ['bus'],
      registers: r,
      collect() {
        this.reset();
        for (const b of v().buses) this.set({ bus: b.id }, b.link === 'up' ? 1 : 0);
      },
    });

    new Counter({
      name: 'jx_device_polls_total',
      help: 'Poll cycles of the device',
      labelNames: ['device', 'bus'],
      registers: r,
      collect() {
        this.reset();
        for (const d of v().snapshot.devices) this.inc({ device: d.id, bus: d.bus }, d.polls);
      },
    });
    new Counter({
      name: 'jx_device_poll_failures_total',
      help: 'Poll cycles of the device that failed (timeout, CRC, exception, port closed)',
      labelNames: ['device', 'bus'],
      registers: r,
      collect() {
        this.reset();
        for (const d of v().snapshot.devices) this.inc({ device: d.id, bus: d.bus }, d.failures);
      },
    });
    new Gauge({
      name: 'jx_device_online',
      help: '1 online, 0 offline (absent before the first poll)',
      labelNames: ['device'],
      registers: r,
      collect() {
        this.reset();
        for (const d of v().snapshot.devices) if (d.online !== null) this.set({ device: d.id }, d.online ? 1 : 0);
      },
    });
    new Gauge({
      name: 'jx_device_breaker',
      help: "1 for the state the device's circuit breaker is in (open: polled rarely after repeated failures)",
      labelNames: ['device', 'state'],
      registers: r,
      collect() {
        this.reset();
        for (const d of v().snapshot.devices) for (const s of BREAKER) this.set({ device: d.id, state: s }, d.breaker === s ? 1 : 0);
      },
    });

    new Gauge({
      name: 'jx_channel_state',
      help: '1 for the state the channel is in: normal, warning, alarm, fault',
      labelNames: ['device', 'channel', 'kind', 'state'],
      registers: r,
      collect() {
        this.reset();
        for (const c of v().snapshot.channels)
          for (const s of STATES) this.set({ device: c.device, channel: c.channel, kind: c.kind, state: s }, c.state === s ? 1 : 0);
      },
    });
    new Gauge({
      name: 'jx_channel_value',
      help: 'Last value read, in the channel unit (booleans 0/1)',
      labelNames: ['device', 'channel', 'unit'],
      registers: r,
      collect() {
        this.reset();
        for (const c of v().snapshot.channels)
          if (c.value !== null)
            this.set({ device: c.device, channel: c.channel, unit: c.unit ?? '' }, typeof c.value === 'boolean' ? Number(c.value) : c.value);
      },
    });

    const level = (which: 'desired' | 'level') =>
      new Gauge({
        name: which === 'desired' ? 'jx_output_desired_on' : 'jx_output_observed_on',
        help: which === 'desired' ? 'Level the alarms demand: 1 on, 0 off' : 'Level read back from the output: 1 on, 0 off (absent while unknown)',
        labelNames: ['output', 'role'],
        registers: r,
        collect() {
          this.reset();
          for (const o of v().snapshot.outputs) {
            const l = o[which];
            if (l !== null) this.set({ output: o.id, role: o.role }, l === 'on' ? 1 : 0);
          }
        },
      });
    level('desired');
    level('level');
    new Gauge({
      name: 'jx_output_ok',
      help: '0 while the output is in fault (refused, or read back at another level than desired)',
      labelNames: ['output', 'role'],
      registers: r,
      collect() {
        this.reset();
        for (const o of v().snapshot.outputs) this.set({ output: o.id, role: o.role }, o.ok ? 1 : 0);
      },
    });
    new Gauge({
      name: 'jx_gas_valve_closed',
      help: '1 while the gas valve is held closed (a local reset reopens it)',
      labelNames: ['output'],
      registers: r,
      collect() {
        this.reset();
        const s = v().snapshot;
        for (const o of s.outputs.filter((x) => x.role === 'gas-valve')) this.set({ output: o.id }, s.closedValves.includes(o.id) ? 1 : 0);
      },
    });

    new Gauge({
      name: 'jx_outbox_backlog',
      help: 'Messages waiting in the outbox, by priority',
      labelNames: ['priority'],
      registers: r,
      collect() {
        this.reset();
        for (const [p, n] of Object.entries(v().snapshot.uplink.backlog)) this.set({ priority: p }, n);
      },
    });
    new Counter({
      name: 'jx_outbox_shed_rows_total',
      help: 'Telemetry rows dropped under the storage cap',
      registers: r,
      collect() {
        this.reset();
        this.inc(v().snapshot.uplink.shed.rows);
      },
    });
    new Gauge({
      name: 'jx_uplink_connected',
      help: '1 while connected to the broker',
      registers: r,
      collect() {
        this.set(v().snapshot.uplink.connected ? 1 : 0);
      },
    });
    new Counter({
      name: 'jx_uplink_connects_total',
      help: 'Connections made to the broker since start',
      registers: r,
      collect() {
        this.reset();
        this.inc(v().uplink.connects);
      },
    });
    new Gauge({
      name: 'jx_uplink_in_flight',
      help: 'Messages published and not yet acknowledged by the broker',
      registers: r,
      collect() {
        this.set(v().uplink.inFlight);
      },
    });
    // The GB/T 26875.3 centre: present only when one is configured.
    new Gauge({
      name: 'jx_centre_connected',
      help: '1 while connected to the GB/T 26875.3 monitoring centre',
      registers: r,
      collect() {
        const c = v().snapshot.centre;
        if (c) this.set(c.connected ? 1 : 0);
      },
    });
    new Gauge({
      name: 'jx_centre_backlog',
      help: "Alarms and events waiting for the centre's confirm",
      registers: r,
      collect() {
        const c = v().snapshot.centre;
        if (c) this.set(c.backlog);
      },
    });
    new Counter({
      name: 'jx_centre_frames_total',
      help: 'Frames the centre answered since start, by answer',
      labelNames: ['answer'],
      registers: r,
      collect() {
        this.reset();
        const c = v().snapshot.centre;
        if (!c) return;
        this.inc({ answer: 'confirmed' }, c.confirmed);
        this.inc({ answer: 'denied' }, c.denied);
      },
    });
    new Gauge({
      name: 'jx_alarms_unacknowledged',
      help: 'Open alarms the platform has not acknowledged (re-announced until it does)',
      registers: r,
      collect() {
        this.set(v().snapshot.openAlarms.filter((a) => !a.acknowledged).length);
      },
    });
    new Gauge({
      name: 'jx_storage_ok',
      help: '0 while events cannot be recorded or state cannot be saved (outputs are driven regardless)',
      registers: r,
      collect() {
        this.set(v().snapshot.storage.ok ? 1 : 0);
      },
    });
    new Gauge({
      name: 'jx_storage_unrecorded_events',
      help: 'Events kept in memory waiting to be recorded',
      registers: r,
      collect() {
        this.set(v().snapshot.storage.unrecorded);
      },
    });
    new Gauge({
      name: 'jx_sqlite_file_bytes',
      help: 'Size of the SQLite files in the data directory',
      labelNames: ['file'],
      registers: r,
      collect() {
        this.reset();
        for (const [name, path] of Object.entries(v().files)) this.set({ file: name }, fileBytes(path));
      },
    });
    new Gauge({
      name: 'jx_clock_synced',
      help: '1 when the system clock is synchronised (NTP or the platform)',
      registers: r,
      collect() {
        this.set(v().snapshot.gateway.clock === 'synced' ? 1 : 0);
      },
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
