// Identification against the simulator's devices on a real socket: for each built-in device, the
// profile that explains every read is found first, with its evidence. Maps overlap (an ASJ also answers
// the generic electrical-fire and smoke reads): the map that reaches furthest and still answers wins.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBus } from '../../gateway/commission/field-bus.js';
import { identify } from '../../gateway/commission/identify.js';
import { BUILTIN_PROFILES } from '../../drivers/profiles/index.js';
import { Station } from '../../simulator/server/station.js';
import { serveTcp, type RunningServer } from '../../simulator/server/servers.js';
import { freePort } from '../helpers/net.js';
import { simDevice } from '../helpers/sim.js';

describe('commission: which device is at this id', () => {
  let server: RunningServer;
  let port: number;
  const placed: [string, number][] = [
    ['gas-lel', 1],
    ['smoke', 2],
    ['acrel-asj', 3],
    ['electrical-fire', 4],
    ['relay', 9],
  ];
  beforeAll(async () => {
    port = await freePort();
    server = await serveTcp(new Station(placed.map(([p, id]) => simDevice(p, id))), '127.0.0.1', port);
  });
  afterAll(async () => server.close());

  it('an id nobody answers at matches nothing', async () => {
    const bus = await openBus({ id: 'x', type: 'tcp', host: '127.0.0.1', port, timeoutMs: 100, retries: 0 });
    try {
      const ranked = await identify(bus, 7, BUILTIN_PROFILES, 100);
      expect(ranked.every((c) => !c.matches && c.answered === 0)).toBe(true);
    } finally {
      await bus.stop();
    }
  });

  it.each(placed)('%s at id %i is named first, with what answered', async (profile, id) => {
    const bus = await openBus({ id: 'x', type: 'tcp', host: '127.0.0.1', port, timeoutMs: 300, retries: 0 });
    try {
      const ranked = await identify(bus, id, BUILTIN_PROFILES);
      expect(ranked[0]).toMatchObject({ profile, matches: true });
      expect(ranked[0]!.evidence.join(' ')).not.toMatch(/refused/);
    } finally {
      await bus.stop();
    }
  });
});
