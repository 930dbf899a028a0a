// What the control socket accepts (./socket.ts), one JSON object per line. Loaded with the first request,
// so the running gateway does not carry zod for a socket that is used only on site.

import { z } from 'zod';

export const Request = z.discriminatedUnion('cmd', [
  z.strictObject({ cmd: z.literal('status') }),
  z.strictObject({ cmd: z.literal('reset'), device: z.string().optional(), channel: z.string().optional(), valve: z.string().optional() }),
  z.strictObject({ cmd: z.literal('silence') }),
  z.strictObject({ cmd: z.literal('maintenance'), device: z.string(), on: z.boolean(), linkageTest: z.boolean().default(false) }),
  z.strictObject({ cmd: z.literal('answer-inspection') }),
]);
