// Code tables of GB/T 26875.3-2011 that this box uses (the sources are named in README.md). Names are
// the standard's; `en` is ours, for logs and docs.

/** Building fire-facility system types (系统类型, Table 4), those a small venue's box can name. */
export const SYSTEM_TYPES: Readonly<Record<number, { zh: string; en: string }>> = {
  0: { zh: '通用', en: 'general' },
  1: { zh: '火灾报警系统', en: 'fire alarm system' },
  10: { zh: '消防联动控制器', en: 'fire linkage controller' },
  18: { zh: '防烟排烟系统', en: 'smoke control system' },
  23: { zh: '消防电源', en: 'fire power supply' },
};

/** Component types (部件类型, Table 5), those our channels and outputs are. */
export const COMPONENT_TYPES: Readonly<Record<number, { zh: string; en: string }>> = {
  0: { zh: '通用', en: 'general' },
  10: { zh: '可燃气体探测器', en: 'combustible gas detector' },
  11: { zh: '点型可燃气体探测器', en: 'point combustible gas detector' },
  12: { zh: '独立式可燃气体探测器', en: 'stand-alone combustible gas detector' },
  16: { zh: '电气火灾监控报警器', en: 'electrical fire monitoring unit' },
  17: { zh: '剩余电流式电气火灾监控探测器', en: 'residual-current electrical fire detector' },
  18: { zh: '测温式电气火灾监控探测器', en: 'temperature electrical fire detector' },
  23: { zh: '手动火灾报警按钮', en: 'manual call point' },
  30: { zh: '感温火灾探测器', en: 'heat detector' },
  40: { zh: '感烟火灾探测器', en: 'smoke detector' },
  42: { zh: '点型光电感烟火灾探测器', en: 'point photoelectric smoke detector' },
  86: { zh: '输出模块', en: 'output module' },
  106: { zh: '管网电磁阀', en: 'pipe solenoid valve' },
  111: { zh: '防烟排烟风机', en: 'smoke exhaust fan' },
  121: { zh: '警报装置', en: 'alarm sounder' },
};

/** Analog types (模拟量类型) with their unit steps: a value is sent as a whole number of steps. */
export const ANALOG_TYPES: Readonly<Record<number, { zh: string; unit: string; step: number }>> = {
  1: { zh: '事件计数', unit: 'count', step: 1 },
  2: { zh: '高度', unit: 'm', step: 0.01 },
  3: { zh: '温度', unit: '°C', step: 0.1 },
  4: { zh: '压力', unit: 'MPa', step: 0.1 },
  5: { zh: '压力', unit: 'kPa', step: 0.1 },
  6: { zh: '气体浓度', unit: '%LEL', step: 0.1 },
  7: { zh: '时间', unit: 's', step: 1 },
  8: { zh: '电压', unit: 'V', step: 0.1 },
  9: { zh: '电流', unit: 'A', step: 0.1 },
  10: { zh: '流量', unit: 'L/s', step: 0.1 },
  11: { zh: '风量', unit: 'm³/min', step: 0.1 },
  12: { zh: '风速', unit: 'm/s', step: 1 },
};

/** Bits of a component's status word (部件状态, §8.2.1.2); bit 0 set is normal running, clear is test. */
export const COMPONENT_STATUS = {
  running: 1 << 0,
  fire: 1 << 1,
  fault: 1 << 2,
  disabled: 1 << 3,
  supervisory: 1 << 4,
  started: 1 << 5,
  feedback: 1 << 6,
  delayed: 1 << 7,
  powerFault: 1 << 8,
} as const;

/** Bits of the transmitter's status byte (用户信息传输装置运行状态, §8.2.1.8). */
export const TRANSMITTER_STATUS = {
  monitoring: 1 << 0,
  fire: 1 << 1,
  fault: 1 << 2,
  mainPowerFault: 1 << 3,
  backupPowerFault: 1 << 4,
  channelFault: 1 << 5,
  lineFault: 1 << 6,
} as const;

/** Bits of the transmitter's operation byte (用户信息传输装置操作信息, §8.2.1.9). */
export const TRANSMITTER_OPERATION = {
  reset: 1 << 0,
  silence: 1 << 1,
  manualAlarm: 1 << 2,
  alarmCleared: 1 << 3,
  selfTest: 1 << 4,
  inspectionAnswer: 1 << 5,
  test: 1 << 6,
} as const;
