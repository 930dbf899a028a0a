// Starts everything a simulator config describes: the devices, their servers, the control API, the
// scenario. One function so the CLI, tests and the bench start it the same way.

import type { Server } from 'node:http';
import type { Profile } from '../config/index.js';
import { BUILTIN_PROFILES } from '../drivers/profiles/index.js';
import type { SimConfig } from './config.js';
import { serveControl } from './control.js';
import { SimDevice } from './device/sim-device.js';
import { startScenario } from './scenarios.js';
import { serveRtu, serveRtuOverTcp, serveTcp, type RunningServer } from './server/servers.js';
import { Station } from './server/station.js';

export interface RunningSim {
  devices: SimDevice[];
  servers: RunningServer[];
  control?: Server & { boundPort: number };
  close(): Promise<void>;
}

export async function runSimulator(cfg: SimConfig): Promise<RunningSim> {
  const profiles: Record<string, Profile> = { ...BUILTIN_PROFILES, ...cfg.profiles };
  const all: SimDevice[] = [];
  const servers: RunningServer[] = [];
  const ids = new Set<string>();
  const closeAll = async () => {
    await Promise.all(servers.map((s) => s.close()));
  };
  try {
    for (const [i, s] of cfg.servers.entries()) {
      const devices = s.devices.map((d) => {
        const profile = profiles[d.profile];
        if (!profile) throw new Error(`servers[${i}]: unknown profile "${d.profile}"; known: ${Object.keys(profiles).join(', ')}`);
        const id = d.id ?? `${d.profile}-${d.slaveId}`;
        if (ids.has(id)) throw new Error(`servers[${i}]: device id "${id}" is used twice`);
        ids.add(id);
        const dev = new SimDevice(id, d.profile, profile, d.slaveId, all.length + 1);
        if (d.behaviour !== 'steady') dev.setBehaviour(d.behaviour, performance.now());
        return dev;
      });
      all.push(...devices);
      const baud = s.type === 'tcp' ? undefined : s.baud;
      const station = new Station(devices, { ...(cfg.pace && baud ? { baud } : {}), gateway: s.type === 'tcp' && s.unknownUnit === 'exception' });
      if (s.type === 'tcp') servers.push(await serveTcp(station, s.host, s.port));
      else if (s.type === 'rtu-over-tcp') servers.push(await serveRtuOverTcp(station, s.host, s.port));
      else servers.push(await serveRtu(station, s.path, s.baud));
    }
    if (cfg.scenario) startScenario(cfg.scenario, all, performance.now());
    const control = cfg.control ? await serveControl(all, cfg.control.port) : undefined;
    return {
      devices: all,
      servers,
      ...(control ? { control } : {}),
      close: async () => {
        await closeAll();
        if (control) await new Promise<void>((r) => control.close(() => r()));
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
