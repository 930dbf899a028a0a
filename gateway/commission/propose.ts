// The config a commissioning run proposes: the venue facts, one bus per line that answered (with the
// setting it answered at), one device per slave id named by its most likely profile, and — where a relay
// module and a gas detector were both found — the gas linkage every gas venue needs, marked for the
// installer to confirm against the wiring. Comments in the file say what was found and how sure it is.

import { Document, isMap, isSeq, type YAMLMap } from 'yaml';
import type { LineSetting } from './line-scan.js';
import type { sections } from './facts.js';

export type LineAddress = { kind: 'serial'; path: string } | { kind: 'tcp' | 'rtu-over-tcp'; host: string; port: number };

interface FoundDevice {
  slaveId: number;
  profile: string;
  /** Other profiles whose every read also answered. */
  alsoConsistent: string[];
}

export interface FoundLine {
  line: LineAddress;
  setting?: LineSetting;
  /** The line answered at every setting: the one written is a guess to check. */
  settingUnsure?: boolean;
  devices: FoundDevice[];
}

/** Short device names by profile, for ids an installer can read on the status page. */
const BASE_NAME: Record<string, string> = { 'gas-lel': 'gas', smoke: 'smoke', 'electrical-fire': 'electrical', 'acrel-asj': 'rcd', relay: 'relays' };

const GAS_PROFILES = new Set(['gas-lel']);
const SMOKE_PROFILES = new Set(['smoke']);

export function proposeConfig(
  facts: ReturnType<typeof sections>,
  lines: readonly FoundLine[],
  profileKinds: (profile: string) => string[],
  ownProfiles: Readonly<Record<string, unknown>> = {},
): string {
  const buses: Record<string, unknown>[] = [];
  const devices: Record<string, unknown>[] = [];
  const comments = new Map<number, string>(); // device index → comment
  const busComments = new Map<number, string>();
  const used = new Set<string>();
  let serial = 0;
  let tcp = 0;
  let servers = 0;
  for (const l of lines) {
    if (!l.devices.length) continue;
    const a = l.line;
    let id: string;
    if (a.kind === 'serial') {
      id = `rs485-${++serial}`;
      buses.push({ id, type: 'rtu', path: a.path, baud: l.setting?.baud ?? 9600, parity: l.setting?.parity ?? 'none' });
      if (l.settingUnsure) busComments.set(buses.length - 1, ' answered at every setting tried: check baud and parity against the devices');
    } else if (a.kind === 'tcp') {
      id = `tcp-${++tcp}`;
      buses.push({ id, type: 'tcp', host: a.host, port: a.port });
    } else {
      id = `serial-server-${++servers}`;
      buses.push({ id, type: 'rtu-over-tcp', host: a.host, port: a.port, baud: 9600 });
      busComments.set(buses.length - 1, " baud: set it to the serial server's own line setting (the scan cannot see it)");
    }
    for (const d of l.devices) {
      const base = BASE_NAME[d.profile] ?? d.profile;
      let devId = `${base}-${d.slaveId}`;
      if (used.has(devId)) devId = `${id}-${base}-${d.slaveId}`;
      used.add(devId);
      devices.push({ id: devId, location: 'TODO', bus: id, slaveId: d.slaveId, profile: d.profile });
      comments.set(
        devices.length - 1,
        ` found at slave ${d.slaveId}${d.alsoConsistent.length ? `; the reads also fit ${d.alsoConsistent.join(', ')}` : ''}; location: where it hangs`,
      );
    }
  }
  const relay = devices.find((d) => d.profile === 'relay');
  const gas = devices.some((d) => GAS_PROFILES.has(d.profile as string) || profileKinds(d.profile as string).includes('gas'));
  const smoke = devices.some((d) => SMOKE_PROFILES.has(d.profile as string) || profileKinds(d.profile as string).includes('smoke'));
  const outputs: Record<string, unknown>[] = [];
  const linkage: Record<string, unknown>[] = [];
  if (relay && (gas || smoke)) {
    const drv = (coil: number) => ({ type: 'modbus-coil', device: relay.id, coil });
    if (gas) outputs.push({ id: 'gas-valve', role: 'gas-valve', driver: drv(0), closedLevel: 'off', safeState: 'off' });
    if (gas) outputs.push({ id: 'exhaust-fan', role: 'fan', driver: drv(1) });
    outputs.push({ id: 'buzzer', role: 'buzzer', driver: drv(2) });
    if (gas)
      linkage.push({
        id: 'gas-alarm',
        when: { kind: 'gas', state: 'alarm' },
        do: [
          { output: 'gas-valve', action: 'close' },
          { output: 'exhaust-fan', action: 'on' },
          { output: 'buzzer', action: 'on' },
        ],
      });
    if (smoke) linkage.push({ id: 'smoke-alarm', when: { kind: 'smoke', state: 'alarm' }, do: [{ output: 'buzzer', action: 'on' }] });
  }
  const config: Record<string, unknown> = {
    gateway: facts.gateway,
    venue: facts.venue,
    buses,
    devices,
    ...(outputs.length ? { outputs, linkage } : {}),
    ...(facts.uplink ? { uplink: facts.uplink } : {}),
    // Register maps of the installer's own that named a device: the config must carry them.
    ...(Object.keys(ownProfiles).length ? { profiles: ownProfiles } : {}),
  };
  const doc = new Document(config);
  doc.commentBefore =
    ' Made by `jiuxiao-gateway commission`: what answered on each line, named by its most likely profile.\n' +
    ' Fill in every location: TODO, confirm the proposals marked below, then: jiuxiao-gateway check-config FILE';
  const seq = (key: string) => {
    const n = doc.get(key, true);
    return isSeq(n) ? n : undefined;
  };
  seq('buses')?.items.forEach((item, i) => {
    if (isMap(item)) item.flow = true;
    const c = busComments.get(i);
    if (c && isMap(item)) item.comment = c;
  });
  seq('devices')?.items.forEach((item, i) => {
    if (isMap(item)) {
      item.flow = true;
      item.commentBefore = comments.get(i) ?? null;
    }
  });
  seq('outputs')?.items.forEach((item) => isMap(item) && (item.flow = true));
  const outs = doc.get('outputs', true) as YAMLMap | undefined;
  if (outs)
    outs.commentBefore = ` PROPOSED: relay module ${String(relay?.id)} coil 0 = gas valve (fail-safe: closed when off), coil 1 = exhaust fan, coil 2 = buzzer.\n Confirm against the wiring before going live.`;
  const link = doc.get('linkage', true) as YAMLMap | undefined;
  if (link) link.commentBefore = ' PROPOSED: a gas alarm closes the valve and starts the fan and the buzzer (a local reset reopens the valve).';
  return doc.toString({ lineWidth: 0 });
}
