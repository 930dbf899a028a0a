// The control API: HTTP on loopback so tests and testers can drive the simulated devices while the
// gateway polls them. JSON in, JSON out; bad input gets a 400 naming what is wrong and changes nothing.
//
//   GET    /devices                       all devices: profile, slave id, behaviour, faults, values
//   GET    /devices/ID                    one device
//   PUT    /devices/ID/points/POINT       {"value": 12.5}   pin a value (until the behaviour changes)
//   PUT    /devices/ID/behaviour          {"name": "gas-leak"}
//   PUT    /devices/ID/faults             {"noReply": true} (see Faults); DELETE clears them
//   POST   /devices/ID/reboot             {"offlineMs": 2000}: silent that long, back with relays released
//   POST   /scenario                      {"name": "kitchen-fire"}
//   POST   /reset                         every device steady, no faults, no pins

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { BEHAVIOURS } from './device/behaviours.js';
import type { SimDevice } from './device/sim-device.js';
import { SCENARIOS, startScenario } from './scenarios.js';

const FaultsSchema = z.strictObject({
  noReply: z.boolean().optional(),
  delayMs: z.number().int().min(0).max(60_000).optional(),
  corrupt: z.boolean().optional(),
  wrongSlaveId: z.boolean().optional(),
  exception: z.number().int().min(1).max(11).optional(),
  dropConnection: z.boolean().optional(),
  probability: z.number().min(0).max(1).optional(),
});

const MAX_BODY = 64 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function describe(d: SimDevice) {
  d.refresh(performance.now());
  return { id: d.id, profile: d.profileName, slaveId: d.slaveId, behaviour: d.currentBehaviour, faults: d.faults, requests: d.requests, values: d.snapshot() };
}

async function body(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, `body over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
}

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new HttpError(400, r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  }
  return r.data;
}

function controlHandler(devices: readonly SimDevice[], now: () => number = () => performance.now()) {
  const byId = new Map(devices.map((d) => [d.id, d]));
  const device = (id: string) => {
    const d = byId.get(decodeURIComponent(id));
    if (!d) throw new HttpError(404, `no device "${decodeURIComponent(id)}"; devices: ${[...byId.keys()].join(', ')}`);
    return d;
  };
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(payload)}\n`);
    };
    try {
      const url = new URL(req.url ?? '/', 'http://sim');
      const parts = url.pathname.split('/').filter(Boolean);
      const m = req.method ?? 'GET';
      if (m === 'GET' && parts.length === 1 && parts[0] === 'devices') return send(200, devices.map(describe));
      if (m === 'GET' && parts.length === 2 && parts[0] === 'devices') return send(200, describe(device(parts[1] as string)));
      if (parts[0] === 'devices' && parts.length >= 3) {
        const d = device(parts[1] as string);
        if (m === 'PUT' && parts[2] === 'points' && parts.length === 4) {
          const { value } = parse(z.strictObject({ value: z.union([z.number(), z.boolean()]) }), await body(req));
          try {
            d.pin(decodeURIComponent(parts[3] as string), value, now());
          } catch (err) {
            throw new HttpError(404, (err as Error).message);
          }
          return send(200, describe(d));
        }
        if (m === 'PUT' && parts[2] === 'behaviour' && parts.length === 3) {
          const { name } = parse(z.strictObject({ name: z.enum(BEHAVIOURS) }), await body(req));
          d.setBehaviour(name, now());
          return send(200, describe(d));
        }
        if (m === 'POST' && parts[2] === 'reboot' && parts.length === 3) {
          const { offlineMs } = parse(z.strictObject({ offlineMs: z.number().int().min(0).max(600_000).default(2000) }), await body(req));
          d.reboot(offlineMs, now());
          return send(200, describe(d));
        }
        if (parts[2] === 'faults' && parts.length === 3 && (m === 'PUT' || m === 'DELETE')) {
          d.faults = m === 'PUT' ? parse(FaultsSchema, await body(req)) : {};
          return send(200, describe(d));
        }
      }
      if (m === 'POST' && parts.length === 1 && parts[0] === 'scenario') {
        const { name } = parse(z.strictObject({ name: z.enum(SCENARIOS) }), await body(req));
        return send(200, { scenario: name, devices: startScenario(name, devices, now()) });
      }
      if (m === 'POST' && parts.length === 1 && parts[0] === 'reset') {
        for (const d of devices) {
          d.faults = {};
          d.setBehaviour('steady', now());
        }
        return send(200, devices.map(describe));
      }
      throw new HttpError(404, `no route ${m} ${url.pathname}`);
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 500;
      send(status, { error: (err as Error).message });
    }
  };
}

export function serveControl(devices: readonly SimDevice[], port: number): Promise<Server & { boundPort: number }> {
  const server = createServer((req, res) => void controlHandler(devices)(req, res));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // Loopback only: the control API changes what the "sensors" report.
    server.listen(port, '127.0.0.1', () => {
      const addr = server.address();
      resolve(Object.assign(server, { boundPort: typeof addr === 'object' && addr ? addr.port : port }));
    });
  });
}
