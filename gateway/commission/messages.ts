// What `jiuxiao-gateway commission` says, in English and Chinese (the installer's language: --lang, or the
// locale). Field names and ids stay as they are in the config.

export const COMMISSION_MESSAGES = {
  title: { en: 'Commissioning {gw}: from a bare box to a checked config', zh: '调试 {gw}：从空白网关到通过检查的配置' },
  noLines: {
    en: 'no serial line found ({looked}); give --port PATH, --tcp HOST:PORT or --rtu-over-tcp HOST:PORT',
    zh: '未找到串口（已查找 {looked}）；请用 --port PATH、--tcp HOST:PORT 或 --rtu-over-tcp HOST:PORT 指定',
  },
  lines: { en: 'Lines to scan: {lines}', zh: '待扫描线路：{lines}' },
  scanning: {
    en: 'Scanning {line}: {settings} setting(s) × ids {first}–{last}, at most {estimate}',
    zh: '正在扫描 {line}：{settings} 种参数 × 地址 {first}–{last}，最长约 {estimate}',
  },
  progress: { en: '{bar} {pct}% {line} at {setting}, about {left} left', zh: '{bar} {pct}% {line} 参数 {setting}，约剩 {left}' },
  lineFailed: { en: '{line}: cannot scan: {reason}', zh: '{line}：无法扫描：{reason}' },
  nothingOnLine: { en: '{line}: no device answered', zh: '{line}：没有设备应答' },
  found: { en: '{line}: slave {id}{setting} → {profile} (most likely)', zh: '{line}：地址 {id}{setting} → {profile}（最可能）' },
  alsoConsistent: { en: '    also consistent with: {profiles}', zh: '    也符合：{profiles}' },
  unknownDevice: {
    en: '{line}: slave {id}{setting} answers but matches no known profile: left out (add a profile, then run again)',
    zh: '{line}：地址 {id}{setting} 有应答，但不符合任何已知型号：未写入配置（先添加型号定义，再运行一次）',
  },
  evidence: { en: '    evidence: {text}', zh: '    依据：{text}' },
  everySetting: {
    en: '    answered at every setting tried: this line does not tell them apart (pty or re-framing converter); {setting} written — check the device manual',
    zh: '    所有参数都有应答：该线路无法区分（虚拟串口或转换器）；已写入 {setting}，请对照设备说明书确认',
  },
  noDevices: { en: 'no device was found on any line: nothing to configure', zh: '所有线路上都没有找到设备：无法生成配置' },
  askIntro: { en: 'The venue facts decide the risk colour (Art. 6(4)); answer each question.', zh: '场所情况决定风险等级（第六条第四项），请逐项回答。' },
  askGatewayId: { en: 'Gateway id (as registered with the county platform, e.g. GW-500242-0001)', zh: '网关编号（平台登记的编号，如 GW-500242-0001）' },
  askVenueId: { en: 'Venue id (e.g. V-500242-100-0001)', zh: '场所编号（如 V-500242-100-0001）' },
  askName: { en: 'Venue name as the inspectors know it', zh: '场所名称（检查人员熟知的名称）' },
  askAdminCode: { en: '12-digit administrative division code of the township (e.g. 500242100000)', zh: '乡镇（街道）12 位行政区划代码（如 500242100000）' },
  askCategory: { en: 'Category (one of: {choices})', zh: '场所类别（可选：{choices}）' },
  askArea: { en: 'Building area in m²', zh: '建筑面积（平方米）' },
  askSize: { en: '{what} (number)', zh: '{what}（数字）' },
  askFlammables: { en: 'Handles flammable or explosive goods, e.g. keeps an LPG cylinder? (y/n)', zh: '是否使用或存放易燃易爆物品（如液化气钢瓶）？(y/n)' },
  askFireKeyUnit: { en: 'Is it a fire-safety key unit (消防重点场所)? (y/n)', zh: '是否为消防重点场所？(y/n)' },
  askMixedUse: { en: 'Mixed multi-business premises, incl. shop + store + living (三合一)? (y/n)', zh: '是否为多业态混合场所（含“三合一”）？(y/n)' },
  askHeavyGasUse: { en: 'Uses a lot of gas, e.g. a hotpot restaurant? (y/n)', zh: '是否大量用气（如火锅店）？(y/n)' },
  askUplink: { en: 'MQTT URL of the county platform (empty: none yet)', zh: '县级平台 MQTT 地址（留空：暂不配置）' },
  badAnswer: { en: 'not valid: {reason}; again', zh: '无效：{reason}；请重新输入' },
  missingAnswers: {
    en: 'not on a terminal and no answer for: {keys} — give them in --answers FILE (YAML with gateway.id, venue.* as in a config, uplink.url)',
    zh: '不在终端上运行，且缺少以下回答：{keys} —— 请在 --answers FILE 中给出（YAML，含 gateway.id、与配置相同的 venue.*、uplink.url）',
  },
  badAnswersFile: { en: 'answers file {file}: {reason}', zh: '回答文件 {file}：{reason}' },
  outExists: { en: '{file} exists: give --force to replace it, or another --out', zh: '{file} 已存在：加 --force 覆盖，或用 --out 指定其他文件' },
  notValid: { en: 'the config made is not valid (a bug, please report it):', zh: '生成的配置未通过检查（程序错误，请报告）：' },
  written: { en: 'Config written to {file}: it passes check-config.', zh: '配置已写入 {file}，已通过 check-config 检查。' },
  risk: { en: 'Risk colour: {colour} — inspect at least every {days} days (Art. 6(5))', zh: '风险等级：{colour} —— 至少每 {days} 天检查一次（第六条第五项）' },
  linkageProposed: {
    en: 'Linkage proposed: gas alarm → close the valve (relay {relay} coil 0), fan on (coil 1), buzzer on (coil 2). Confirm the wiring before going live.',
    zh: '已建议联动：燃气报警 → 关闭燃气阀（继电器 {relay} 线圈 0），排风扇开（线圈 1），蜂鸣器开（线圈 2）。上线前请确认接线。',
  },
  next: {
    en: 'Next: 1. read the config and confirm the proposals; 2. jiuxiao-gateway check-config {file}; 3. jiuxiao-gateway run --config {file} (or install the systemd unit); 4. test a gas alarm with maintenance on.',
    zh: '下一步：1. 阅读配置，确认建议项；2. jiuxiao-gateway check-config {file}；3. jiuxiao-gateway run --config {file}（或安装 systemd 服务）；4. 开启检修模式测试一次燃气报警。',
  },
} as const;
