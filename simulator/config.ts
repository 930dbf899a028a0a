// The simulator's own file: which devices it serves, on which servers, with what behaviour.
// (Example: config/examples/simulated-venue.sim.yaml.)

import { z } from 'zod';
import { BAUD_RATES, ProfileSchema } from '../config/index.js';
import { BEHAVIOURS } from './device/behaviours.js';
import { SCENARIOS } from './scenarios.js';

const SimDeviceSchema = z.strictObject({
  id: z.string().min(1).optional().meta({ description: 'Name in the control API; default PROFILE-SLAVEID' }),
  profile: z.string().min(1),
  slaveId: z.number().int().min(1).max(247),
  behaviour: z.enum(BEHAVIOURS).default('steady'),
});

const Devices = z.array(SimDeviceSchema).min(1, { message: 'a server needs at least one device' });

const SimServerSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('tcp'),
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(1).max(65535),
      unknownUnit: z.enum(['silent', 'exception']).default('silent').meta({
        description:
          'An id no device answers to: silence (one device, or devices of their own), or exception 0x0B as a Modbus TCP gateway to an RS-485 line answers',
      }),
      devices: Devices,
    }),
    z.strictObject({
      type: z.literal('rtu-over-tcp'),
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(1).max(65535),
      baud: z.literal(BAUD_RATES).default(9600),
      devices: Devices,
    }),
    z.strictObject({ type: z.literal('rtu'), path: z.string().min(1), baud: z.literal(BAUD_RATES).default(9600), devices: Devices }),
  ],
  { error: 'expected type tcp, rtu-over-tcp or rtu' },
);

export const SimConfigSchema = z.strictObject({
  pace: z.boolean().default(false).meta({ description: 'Delay replies by their wire time at the baud rate' }),
  scenario: z.enum(SCENARIOS).optional(),
  control: z.strictObject({ port: z.number().int().min(1).max(65535) }).optional(),
  profiles: z.record(z.string(), ProfileSchema).default({}),
  servers: z.array(SimServerSchema).min(1),
});

export type SimConfig = z.output<typeof SimConfigSchema>;
