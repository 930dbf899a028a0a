// The bus's queueing rules, over an in-memory link to a simulated station (real framing, real codec):
// one transaction in flight, writes overtake polls but alternate with them, retries are bounded.
import { describe, expect, it } from 'vitest';
import { BUILTIN_PROFILES } from '../profiles/index.js';
import { RtuFraming } from '../modbus/framing.js';
import { crcOk } from '../modbus/crc.js';
import { Transport } from '../transport/transport.js';
import { SimDevice } from '../../simulator/device/sim-device.js';
import { RtuServerStream } from '../../simulator/server/rtu-stream.js';
import { Station } from '../../simulator/server/station.js';
import { Bus } from './bus.js';

/** A link whose far end is a simulated RTU station, answering after `latencyMs`. */
class LoopbackLink extends Transport {
  readonly kind = 'serial' as const;
  readonly label = 'loopback';
  linkOpen = true;
  inFlight = 0;
  maxInFlight = 0;
  log: number[] = [];
  private readonly server: RtuServerStream;
  constructor(station: Station, latencyMs: number) {
    super();
    this.server = new RtuServerStream(
      station,
      (frame) =>
        setTimeout(() => {
          this.inFlight--;
          this.emit('data', frame);
        }, latencyMs),
      () => undefined,
    );
  }
  get isOpen() {
    return this.linkOpen;
  }
  override async open(): Promise<void> {}
  async write(data: Buffer): Promise<void> {
    expect(crcOk(data, 0, data.length)).toBe(true);
    this.log.push(data[1] as number);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.server.push(data);
  }
  async close(): Promise<void> {}
}

function rig(latencyMs = 2) {
  const relay = new SimDevice('relay', 'relay', BUILTIN_PROFILES.relay!, 9);
  const gas = new SimDevice('gas', 'gas-lel', BUILTIN_PROFILES['gas-lel']!, 1);
  const link = new LoopbackLink(new Station([relay, gas]), latencyMs);
  const bus = new Bus(link, new RtuFraming(), {
    id: 't',
    timeoutMs: 100,
    retries: 2,
    interFrameGapMs: 0,
    lateReplyGuardMs: 0,
    reopenMinMs: 10,
    reopenMaxMs: 10,
    reconnectAfterTimeouts: 3,
  });
  return { bus, link, gas };
}

describe('bus queueing', () => {
  it('keeps one transaction in flight however many are asked at once', async () => {
    const { bus, link } = rig();
    await Promise.all(Array.from({ length: 20 }, () => bus.execute(1, { fc: 4, address: 0, count: 2 })));
    expect(link.maxInFlight).toBe(1);
    expect(bus.snapshot().ok).toBe(20);
  });

  it('writes go first but alternate with waiting polls, so neither starves', async () => {
    const { bus, link } = rig();
    const jobs: Promise<unknown>[] = [bus.execute(1, { fc: 4, address: 0, count: 1 })]; // starts at once
    for (let i = 0; i < 3; i++) jobs.push(bus.execute(1, { fc: 4, address: 0, count: 1 }));
    for (let i = 0; i < 3; i++) jobs.push(bus.execute(9, { fc: 5, address: i, value: true }, { priority: 'write' }));
    await Promise.all(jobs);
    // 4 = read input registers, 5 = write coil
    expect(link.log).toEqual([4, 5, 4, 5, 4, 5, 4]);
  });

  it('retries a timeout a bounded number of times, and does not retry an exception', async () => {
    const { bus, gas } = rig();
    gas.faults = { noReply: true };
    await expect(bus.execute(1, { fc: 4, address: 0, count: 1 })).rejects.toMatchObject({ code: 'timeout' });
    expect(bus.snapshot()).toMatchObject({ transactions: 3, retries: 2, timeouts: 3 });
    gas.faults = { exception: 6 };
    await expect(bus.execute(1, { fc: 4, address: 0, count: 1 })).rejects.toMatchObject({ exceptionCode: 6 });
    expect(bus.snapshot()).toMatchObject({ transactions: 4, exceptions: 1 });
  });

  it('refuses a request it cannot encode without touching the line', async () => {
    const { bus, link } = rig();
    await expect(bus.execute(1, { fc: 3, address: 0, count: 200 })).rejects.toMatchObject({ code: 'bad-request' });
    expect(link.log).toEqual([]);
  });
});
