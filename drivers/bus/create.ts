// Builds a Bus from a bus config: the transport (serial port or TCP) and the framing (RTU or MBAP).

import type { Bus as BusConfig } from '../../config/index.js';
import { MbapFraming, RtuFraming } from '../modbus/framing.js';
import { SerialTransport } from '../transport/serial.js';
import { TcpTransport } from '../transport/tcp.js';
import { Bus, interFrameGapMs, type BusOptions } from './bus.js';

/** Listening time after an RTU timeout for a late reply to drain. MBAP does not need it: a late reply
 *  carries an old transaction id and is recognised as such. */
const RTU_LATE_REPLY_GUARD_MS = 50;

export function createBus(config: BusConfig, overrides: Partial<BusOptions> = {}): Bus {
  const base = {
    id: config.id,
    timeoutMs: config.timeoutMs,
    retries: config.retries,
    reopenMinMs: 500,
    reopenMaxMs: 30_000,
    reconnectAfterTimeouts: 3,
  };
  switch (config.type) {
    case 'rtu':
      return new Bus(
        new SerialTransport({ path: config.path, baud: config.baud, parity: config.parity, dataBits: config.dataBits, stopBits: config.stopBits }),
        new RtuFraming(),
        {
          ...base,
          interFrameGapMs: config.interFrameGapMs ?? interFrameGapMs(config.baud, config.dataBits, config.parity, config.stopBits),
          lateReplyGuardMs: RTU_LATE_REPLY_GUARD_MS,
          ...overrides,
        },
      );
    case 'rtu-over-tcp':
      return new Bus(new TcpTransport({ host: config.host, port: config.port, connectTimeoutMs: Math.max(config.timeoutMs, 2000) }), new RtuFraming(), {
        ...base,
        interFrameGapMs: config.interFrameGapMs ?? interFrameGapMs(config.baud),
        lateReplyGuardMs: RTU_LATE_REPLY_GUARD_MS,
        ...overrides,
      });
    case 'tcp':
      return new Bus(new TcpTransport({ host: config.host, port: config.port, connectTimeoutMs: Math.max(config.timeoutMs, 2000) }), new MbapFraming(), {
        ...base,
        interFrameGapMs: 0,
        lateReplyGuardMs: 0,
        ...overrides,
      });
  }
}
