// How the box's channels appear at a GB/T 26875.3 centre: each channel a component of one building
// fire-facility system (our box), with a component type, a 4-byte address, a 31-byte description and,
// where the standard has a unit for it, an analog type. Defaults by the channel's kind; the config's
// `centre.components` changes any of it per channel. check-config prints the result, so the centre's
// operator can enter the same table on their side. (Apart from ./mapping.ts: the polling thread makes
// this table and should not load the GB 18030 codec for it.)

import type { Centre, Config, Profile, SignalKind } from '../../../config/index.js';
import { channelPoints } from '../../detect/detector.js';

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

/**
 * The 4-byte address of a device's channel (low byte first on the wire). The standard leaves the layout
 * open; its worked examples send the loop or zone first ("2号10区": zone 10, number 2 → 0a 00 02 00), so
 * loop-first puts the device number in the low word and the channel's number in the high word.
 */
export function componentAddressOf(layout: Centre['addressLayout'], deviceNo: number, channelNo: number): number {
  return layout === 'loop-first' ? channelNo * 65536 + deviceNo : deviceNo * 65536 + channelNo;
}

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
      componentAddress: set.componentAddress ?? componentAddressOf(centre.addressLayout, deviceNo, channelNo),
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
