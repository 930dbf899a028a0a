import type { ProfileInput, PointInput } from '../../../config/index.js';

// Eight-channel RS-485 relay module (继电器模块): coils 0–7 (read 01, write 05/15) drive the relays,
// discrete inputs 0–7 (02) are inputs: the contacts' feedback on some modules, independent dry-contact
// inputs on many (an output names its feedback input in the config; it is never inferred from here).
// The gateway's outputs drive it; the simulator serves it (with feedback). Common cheap modules follow
// this layout; check the module's manual for its base address.
const points: Record<string, PointInput> = {};
for (let i = 0; i < 8; i++) {
  points[`coil-${i}`] = { fc: 1, address: i, type: 'bool', writable: true, description: `Relay ${i + 1}` };
  points[`input-${i}`] = { fc: 2, address: i, type: 'bool', kind: 'input', description: `Input ${i + 1} (feedback of relay ${i + 1} where wired so)` };
}

export const relay: ProfileInput = {
  description: 'Eight-channel RS-485 relay module (coils 0–7, inputs 0–7)',
  source: 'Common layout of 8-channel Modbus relay modules; verify the base address in the manual',
  points,
};
