// How the box's channels appear at a GB/T 26875.3 centre: each channel a component of one building
// fire-facility system (our box), with a component type, a 4-byte address, a 31-byte description and,
// where the standard has a unit for it, an analog type. Defaults by the channel's kind; the config's
// `centre.components` changes any of it per channel. check-config prints the result, so the centre's
// operator can enter the same table on their side.

import type { Centre, Config, Profile, SignalKind } from '../../../config/index.js';
import { channelPoints } from '../../detect/detector.js';
import iconv from 'iconv-lite';
import { timeLabelOf } from './frame.js';
import { COMPONENT_STATUS, TRANSMITTER_OPERATION, TRANSMITTER_STATUS } from './tables.js';
import { gb18030, type DataUnit } from './units.js';

export interface ComponentMap {
  device: string;
  channel: string;
  kind: SignalKind;
  componentType: number;
  componentAddress: number;
  description: string;
  /** 0: no analog value is sent for this channel. */
  analogType: number;
  /** Steps of the analog type per unit of our reading. */
  analogScale: number;
}

/** Per kind: the component type (Table 5) and the analog type with its scale from our unit. */
const KIND_MAPPING: Readonly<Record<SignalKind, { componentType: number; analogType: number; analogScale: number }>> = {
  gas: { componentType: 11, analogType: 6, analogScale: 10 }, // point combustible gas detector; %LEL in 0.1 %LEL
  'residual-current': { componentType: 17, analogType: 9, analogScale: 0.01 }, // mA in 0.1 A steps (100 mA)
  temperature: { componentType: 18, analogType: 3, analogScale: 10 }, // electrical-fire temperature; °C in 0.1 °C
  smoke: { componentType: 42, analogType: 0, analogScale: 1 }, // point photoelectric smoke detector
  'smoke-density': { componentType: 42, analogType: 0, analogScale: 1 }, // dB/m has no analog type
  current: { componentType: 16, analogType: 9, analogScale: 10 }, // A in 0.1 A
  voltage: { componentType: 16, analogType: 8, analogScale: 10 }, // V in 0.1 V
  status: { componentType: 0, analogType: 0, analogScale: 1 },
  input: { componentType: 0, analogType: 0, analogScale: 1 },
  generic: { componentType: 0, analogType: 0, analogScale: 1 },
};

/** Every channel of the config with its place at the centre, in config order. */
export function componentMaps(config: Config, profiles: Readonly<Record<string, Profile>>, centre: Centre): ComponentMap[] {
  const out: ComponentMap[] = [];
  const add = (device: string, deviceNo: number, channel: string, channelNo: number, kind: SignalKind, place: string | undefined) => {
    const set = centre.components[`${device}/${channel}`] ?? {};
    const k = KIND_MAPPING[kind];
    out.push({
      device,
      channel,
      kind,
      componentType: set.componentType ?? k.componentType,
      componentAddress: set.componentAddress ?? deviceNo * 65536 + channelNo,
      description: set.description ?? [place, device, channel].filter(Boolean).join(' '),
      analogType: set.analogType ?? k.analogType,
      analogScale: set.analogScale ?? k.analogScale,
    });
  };
  let deviceNo = 0;
  for (const d of config.devices) {
    deviceNo++;
    const profile = profiles[d.profile];
    if (!profile) continue;
    let channelNo = 0;
    for (const [name, rules] of channelPoints(profile, d)) add(d.id, deviceNo, name, ++channelNo, rules.kind, d.location);
  }
  for (const i of config.inputs.filter((x) => x.role === 'dry-contact')) add(i.id, ++deviceNo, 'contact', 1, i.kind, undefined);
  return out;
}

/** A channel's state as a component status word (§8.2.1.2). Our pre-alarm (预警) has no bit of its own
 *  in the standard: it is sent as supervisory (监管). A device in maintenance is disabled (屏蔽) and in
 *  test (bit 0 clear). */
export function componentStatus(state: 'normal' | 'warning' | 'alarm' | 'fault', test: boolean): number {
  const running = test ? 0 : COMPONENT_STATUS.running;
  const disabled = test ? COMPONENT_STATUS.disabled : 0;
  switch (state) {
    case 'alarm':
      return running | disabled | COMPONENT_STATUS.fire;
    case 'warning':
      return running | disabled | COMPONENT_STATUS.supervisory;
    case 'fault':
      return running | disabled | COMPONENT_STATUS.fault;
    default:
      return running | disabled;
  }
}

/** A reading as a whole number of the analog type's steps, clamped to the signed 16-bit range. */
export function analogValue(reading: number, scale: number): number {
  return Math.max(-32768, Math.min(32767, Math.round(reading * scale)));
}

/** What of an outbox message goes to the centre, as data units (each its own frame), in sending order. */
export function unitsFor(topic: string, message: Record<string, unknown>, maps: ReadonlyMap<string, ComponentMap>, centre: Centre): DataUnit[] {
  const at = typeof message.at === 'string' ? new Date(message.at) : new Date();
  const time = timeLabelOf(Number.isNaN(at.getTime()) ? new Date() : at);
  if (topic === 'alarm' && message.type === 'channel') {
    const m = maps.get(`${String(message.device)}/${String(message.channel)}`);
    if (!m) return [];
    const place = { systemType: centre.systemType, systemAddress: centre.systemAddress, componentType: m.componentType, componentAddress: m.componentAddress };
    const state = message.state as 'normal' | 'warning' | 'alarm' | 'fault';
    const units: DataUnit[] = [
      {
        type: 2,
        objects: [{ type: 2, ...place, status: componentStatus(state, message.test === true), description: descriptionText(m.description), time }],
      },
    ];
    if (m.analogType > 0 && typeof message.value === 'number') {
      units.push({ type: 3, objects: [{ type: 3, ...place, analogType: m.analogType, value: analogValue(message.value, m.analogScale), time }] });
    }
    // A local reset on site is an operation of the transmitter (reset bit), beside the channel's return to normal.
    if (message.reason === 'reset' && message.reannounce !== true)
      units.push({ type: 24, objects: [{ type: 24, operation: TRANSMITTER_OPERATION.reset, operator: 0, time }] });
    return units;
  }
  if (topic === 'event' && message.type === 'command') {
    const body = (message.body ?? {}) as Record<string, unknown>;
    const bit = body.name === 'reset' ? TRANSMITTER_OPERATION.reset : body.name === 'silence' ? TRANSMITTER_OPERATION.silence : 0;
    if (bit && body.ok !== false) return [{ type: 24, objects: [{ type: 24, operation: bit, operator: 0, time }] }];
  }
  return [];
}

/** A description cut to the 31 bytes it has in GB 18030 (at a character boundary). */
export function descriptionText(text: string): string {
  return iconv.decode(Buffer.from(gb18030(text, 31)), 'gb18030');
}

/** The transmitter's status byte (§8.2.1.8) from the channels' states and the link to the centre. */
export function transmitterStatus(states: readonly { state: string; test: boolean }[]): number {
  let s = TRANSMITTER_STATUS.monitoring;
  if (states.some((c) => c.state === 'alarm' && !c.test)) s |= TRANSMITTER_STATUS.fire;
  if (states.some((c) => c.state === 'fault' && !c.test)) s |= TRANSMITTER_STATUS.fault;
  return s;
}
