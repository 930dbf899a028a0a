// check-config in Chinese. Two catalogues: the report's own lines (`CHECK_CONFIG_MESSAGES`, keyed), and
// the diagnostics the config loader writes in English (`CONFIG_DIAGNOSTICS`), matched as whole sentences
// by `sentenceTranslator` so config/ stays free of presentation. Keys, ids, paths and values stay as
// written in the file: the installer has to find them there.

import type { Catalogue } from '../i18n/i18n.js';

export const CHECK_CONFIG_MESSAGES = {
  ok: { en: '{file}: OK', zh: '{file}：通过' },
  okWithWarnings: { en: '{file}: OK ({warnings})', zh: '{file}：通过（{warnings}）' },
  // Counts: English drops the final s for one.
  errors: { en: '{n} errors', zh: '{n} 个错误' },
  warnings: { en: '{n} warnings', zh: '{n} 个警告' },
  transactions: { en: '{n} transactions', zh: '{n} 次收发' },
  rules: { en: '{n} rules', zh: '{n} 条规则' },
  cannotBeParsed: { en: '{file} cannot be parsed: {errors}, {warnings}', zh: '{file} 无法解析：{errors}，{warnings}' },
  cannotBeRead: { en: '{file} cannot be read: {errors}, {warnings}', zh: '{file} 无法读取：{errors}，{warnings}' },
  isInvalid: { en: '{file} is invalid: {errors}, {warnings}', zh: '{file} 无效：{errors}，{warnings}' },
  warningPrefix: { en: 'warning: {message}', zh: '警告：{message}' },
  labelGateway: { en: 'gateway', zh: '网关' },
  labelVenue: { en: 'venue', zh: '场所' },
  labelRisk: { en: 'risk', zh: '风险' },
  labelBuses: { en: 'buses', zh: '总线' },
  labelDevices: { en: 'devices', zh: '设备' },
  labelOutputs: { en: 'outputs', zh: '输出' },
  labelInputs: { en: 'inputs', zh: '输入' },
  labelLinkage: { en: 'linkage', zh: '联动' },
  labelUplink: { en: 'uplink', zh: '上报' },
  labelEnv: { en: 'env', zh: '环境变量' },
  labelStatus: { en: 'status', zh: '状态页' },
  labelWarnings: { en: 'warnings', zh: '警告' },
  gateway: { en: '{id}, data in {dir}', zh: '{id}，数据目录 {dir}' },
  venue: { en: '{id} {name}: {category} ({categoryZh}), township {adminCode}', zh: '{id} {name}：{categoryZh}（{category}），乡镇 {adminCode}' },
  risk: {
    en: '{colour} {label}: inspect at least every {days} days (Art. 6(5))',
    zh: '{colour} {label}：至少每 {days} 天检查一次（第六条第（五）项）',
  },
  bus: { en: '{id}  {line}, timeout {timeout} ms{cycle}', zh: '{id}  {line}，超时 {timeout} ms{cycle}' },
  busCycle: { en: '; {transactions} per poll cycle', zh: '；每轮轮询 {transactions}' },
  busCycleWire: { en: '; {transactions} per poll cycle, ≥ {ms} ms on the wire', zh: '；每轮轮询 {transactions}，线路上至少 {ms} ms' },
  device: { en: '{id}  {profile}, slave {slave} on {bus}, every {ms} ms{tags}', zh: '{id}  {profile}，{bus} 上的从站 {slave}，每 {ms} ms 轮询{tags}' },
  deviceTags: { en: ' ({tags})', zh: '（{tags}）' },
  maintenance: { en: 'MAINTENANCE', zh: '维护中' },
  read: { en: 'read {block}', zh: '读取 {block}' },
  output: { en: '{id}  {role} via {via}, safe state {safe}', zh: '{id}  {role}，经 {via}，安全状态 {safe}' },
  input: { en: '{id}  {role}{contact} via {via}', zh: '{id}  {role}{contact}，经 {via}' },
  viaGpio: { en: 'gpio line {line}', zh: 'GPIO 线 {line}' },
  viaGpioActiveLow: { en: 'gpio line {line} active-low', zh: 'GPIO 线 {line}（低电平有效）' },
  viaCoil: { en: 'coil {coil} of {device}', zh: '{device} 的线圈 {coil}' },
  viaRegister: { en: 'register {register} of {device}', zh: '{device} 的寄存器 {register}' },
  viaMemory: { en: 'memory', zh: '内存（仅模拟）' },
  uplink: { en: '{url} as {clientId}{from}', zh: '{url}，客户端 {clientId}{from}' },
  passwordFromEnv: { en: ', password from {vars}', zh: '，密码取自 {vars}' },
  passwordFromFile: { en: ', password from {file}', zh: '，密码取自文件 {file}' },
  passwordInline: { en: ', password inline', zh: '，密码直接写在配置中' },
  uplinkNone: { en: 'none', zh: '无' },
  envOverrides: { en: '{vars} override the file', zh: '{vars} 覆盖了文件中的值' },
  statusOff: { en: 'off', zh: '关闭' },
  labelCentre: { en: 'centre', zh: '监控中心' },
  centre: {
    en: 'GB/T 26875.3 at {host}:{port}, this box {address}, the centre {centreAddress}; confirm within {timeoutS} s, {retries} retries; system type {systemType} address {systemAddress}',
    zh: 'GB/T 26875.3，{host}:{port}，本机地址 {address}，中心地址 {centreAddress}；{timeoutS} s 内确认，重发 {retries} 次；系统类型 {systemType}，系统地址 {systemAddress}',
  },
  centreComponent: {
    en: '{channel}  component type {componentType} ({componentName}), address {address}{analog}, "{description}"',
    zh: '{channel}  部件类型 {componentType}（{componentName}），部件地址 {address}{analog}，“{description}”',
  },
  centreAnalog: { en: ', analog type {analogType} ({unit}, ×{scale})', zh: '，模拟量类型 {analogType}（{unit}，×{scale}）' },
  centreCut: { en: ' (cut to 31 bytes of GB 18030)', zh: '（超过 31 字节，已截短）' },
  centreCoarse: {
    en: ' (one step is {step} of the reading: below {half} the centre gets 0)',
    zh: '（每步相当于读数 {step}：低于 {half} 时中心收到 0）',
  },
  // Article 6(4)'s reasons, by the rule's stable code.
  reasonFlammablesAndCrowded: {
    en: 'handles flammable or explosive goods and {crowded} (Art. 6(4))',
    zh: '经营或储存易燃易爆物品，且{crowded}（第六条第（四）项）',
  },
  reasonFireKeyUnit: { en: 'is a fire-safety key unit, 消防重点场所 (Art. 6(4))', zh: '是消防重点场所（第六条第（四）项）' },
  reasonMixedUse: { en: 'is a mixed multi-business premises, 多业态混合 (Art. 6(4))', zh: '是多业态混合经营场所（第六条第（四）项）' },
  reasonHeavyGasUse: { en: 'uses a lot of gas, e.g. a hotpot restaurant (Art. 6(4))', zh: '大量使用燃气，如火锅店（第六条第（四）项）' },
  reasonFlammables: { en: 'handles flammable or explosive goods (Art. 6(4))', zh: '经营或储存易燃易爆物品（第六条第（四）项）' },
  reasonCrowded: { en: '{crowded} (Art. 6(4))', zh: '{crowded}（第六条第（四）项）' },
  reasonNeither: {
    en: 'neither handles flammable or explosive goods nor is a crowded place (Art. 6(4))',
    zh: '既不经营或储存易燃易爆物品，也不是人员密集场所（第六条第（四）项）',
  },
  reasonLowRisk: { en: 'the township judged the risk especially small: {reason} (Art. 6(4))', zh: '乡镇认定风险特别小：{reason}（第六条第（四）项）' },
  crowdedStated: { en: 'is a crowded place', zh: '属人员密集场所' },
  crowdedByCategory: { en: 'is a crowded place (default for category {category})', zh: '属人员密集场所（{category} 类场所的默认值）' },
} as const satisfies Catalogue;

/** Annex 2 size limits (config/venue.ts): one entry per measure, since "{what} {value}" cannot be split
 *  by a pattern ("building area 260 m²"). */
function sizeMessages(): Catalogue {
  const measures: Record<string, string> = {
    'building area': '建筑面积',
    'rated diners': '额定就餐人数',
    beds: '床位',
    'boarding beds': '寄宿床位',
    'day-school people': '走读学校人数',
    staff: '职工人数',
    'staff dormitory places': '员工集体宿舍人数',
  };
  const out: Record<string, { en: string; zh: string }> = {};
  for (const [en, zh] of Object.entries(measures)) {
    out[`${en} over, health centre`] = {
      en: `${en} {value} is over the limit of {limit} by {by}: not a small venue under Annex 2 (unless it is a township, street or community health centre)`,
      zh: `${zh} {value} 超过上限 {limit}，超出 {by}：按附件2不属于小场所（乡镇卫生院、街道和社区卫生服务中心除外）`,
    };
    out[`${en} over`] = {
      en: `${en} {value} is over the limit of {limit} by {by}: not a small venue under Annex 2`,
      zh: `${zh} {value} 超过上限 {limit}，超出 {by}：按附件2不属于小场所`,
    };
  }
  return out;
}

/**
 * The loader's English sentences, as templates. Specific entries come before general ones (`expected
 * {expectedText}, got {gotText}` would swallow the quoted-number hint). `…Text` parts are translated in
 * turn: value descriptions ("the string "x"", "a list"), zod's nested messages, the parser's hints.
 */
export const CONFIG_DIAGNOSTICS = {
  // The file as a whole.
  cannotRead: { en: 'cannot read: {whyText}', zh: '无法读取：{whyText}' },
  noSuchFile: { en: 'no such file', zh: '文件不存在' },
  permissionDenied: { en: 'permission denied', zh: '没有权限' },
  isDirectoryNotFile: { en: 'is a directory, not a file', zh: '是目录，不是文件' },
  isDirectory: { en: 'is a directory', zh: '是目录' },
  emptyFile: { en: 'the file is empty: a config needs at least gateway and venue', zh: '文件是空的：配置至少需要 gateway 和 venue' },
  topNotBlock: {
    en: 'expected a block of keys (gateway:, venue:, …) at the top of the file',
    zh: '文件顶层应为键值块（gateway:、venue: 等）',
  },
  notTimeZone: { en: 'not a time zone: give an IANA name such as Asia/Shanghai', zh: '不是时区：请填写 IANA 时区名，例如 Asia/Shanghai' },
  // Bounds (config/bounds.ts): what no config may exceed.
  fileTooBig: { en: 'the file is {size}; a config file is at most {limit}', zh: '文件大小为 {size}；配置文件最大 {limit}' },
  streamTooBig: { en: 'the file is over {limit}, the most a config file may be', zh: '文件超过 {limit}，这是配置文件的上限' },
  secretFileTooBig: { en: 'the file is {size}; such a file is at most {limit}', zh: '文件大小为 {size}；此类文件最大 {limit}' },
  secretStreamTooBig: { en: 'the file is over {limit}, the most such a file may be', zh: '文件超过 {limit}，这是此类文件的上限' },
  textTooBig: { en: 'the config is {size}; a config is at most {limit}', zh: '配置大小为 {size}；配置最大 {limit}' },
  tooManyAliases: { en: 'more than {n} aliases (*{name}): a config needs few, if any', zh: '别名（*{name}）超过 {n} 个：配置文件很少需要别名' },
  valueTooLong: { en: 'a value of {n} characters; values are at most {max}', zh: '值长度为 {n} 个字符；每个值最多 {max} 个字符' },
  valueTooLongFromEnv: {
    en: 'with its variables this value is {n} characters; values are at most {max}',
    zh: '代入环境变量后此值长度为 {n} 个字符；每个值最多 {max} 个字符',
  },
  nestedTooDeep: { en: 'nested more than {n} levels deep', zh: '嵌套超过 {n} 层' },
  tooManyInList: { en: '{n} items in one list; at most {max}', zh: '一个列表中有 {n} 项；最多 {max} 项' },
  tooManyInBlock: { en: '{n} items in one block; at most {max}', zh: '一个块中有 {n} 项；最多 {max} 项' },
  aliasInItself: { en: 'the alias *{name} refers to a block that contains it', zh: '别名 *{name} 引用了包含它自身的块' },
  aliasBomb: {
    en: 'expanding the aliases here gives more than {max} values, the most a config may have (an alias bomb?)',
    zh: '此处展开别名后超过 {max} 个值，超出配置的上限（别名炸弹？）',
  },
  // YAML syntax (the library's own sentence stays English; the hint and the count are ours).
  parserStumbles: {
    en: '{firstText} (the parser then stumbles over {n} more places after it: fix this one and check again)',
    zh: '{firstText}（解析器在其后又有 {n} 处出错：先改好这一处再检查）',
  },
  indentWithSpaces: { en: '{yamlText}: indent with spaces', zh: '{yamlText}：请用空格缩进' },
  keyTwice: { en: '{yamlText}: this key appears twice in the same block', zh: '{yamlText}：同一块中这个键出现了两次' },
  yamlTabs: { en: 'Tabs are not allowed as indentation', zh: '不能用 Tab 缩进' },
  yamlUniqueKeys: { en: 'Map keys must be unique', zh: '同一层的键不能重复' },
  yamlMissingQuote: { en: 'Missing closing {quote}quote', zh: '缺少结尾的引号 {quote}' },
  yamlFlowIndent: {
    en: '{kind} in block collection must be sufficiently indented and end with a {end}',
    zh: '块结构中的 {kind}（方括号或花括号写法）必须缩进足够并以 {end} 结尾',
  },
  yamlSameColumn: { en: 'All sequence items must start at the same column', zh: '列表的各项（- 开头）必须从同一列开始' },
  yamlImplicitKeyValue: { en: 'Implicit map keys need to be followed by map values', zh: '键后面需要有值（key: value）' },
  yamlSingleLineKey: { en: 'Implicit keys need to be on a single line', zh: '键必须写在一行内' },
  yamlNestedCompact: { en: 'Nested mappings are not allowed in compact mappings', zh: '同一行内不能嵌套键值（检查是否漏了换行或多写了冒号）' },
  yamlSeqAsKey: { en: 'A block sequence may not be used as an implicit map key', zh: '列表不能用作键' },
  yamlMissingComma: { en: 'Missing , between {kind} items', zh: '{kind} 的各项之间缺少逗号' },
  yamlMissingCommaColon: { en: 'Missing , or : between {kind} items', zh: '{kind} 的各项之间缺少逗号或冒号' },
  yamlMissingSpace: { en: 'Missing space after : in {kind}', zh: '{kind} 中冒号后缺少空格' },
  yamlNoDash: { en: 'Sequence item without - indicator', zh: '列表项缺少 - 标记' },
  yamlCommentSpace: {
    en: 'Comments must be separated from other tokens by white space characters',
    zh: '注释 # 前面必须有空格',
  },
  yamlPlainStart: { en: 'Plain value cannot start with {char}', zh: '不加引号的值不能以 {char} 开头：请加引号' },
  yamlBadEscape: { en: 'Invalid escape sequence {seq}', zh: '无效的转义序列 {seq}' },
  yamlUnexpectedIn: { en: 'Unexpected {what} in {where}', zh: '{where} 中出现了意外的 {what}' },
  yamlUnexpected: { en: 'Unexpected {what}', zh: '意外的 {what}' },
  // ${ENV} references.
  unclosedEnv: { en: 'unclosed ${ in "{value}": write ${NAME}', zh: '"{value}" 中的 ${ 没有闭合：应写作 ${NAME}' },
  notEnvRef: {
    en: '"${{inner}}" is not a variable reference: write ${NAME} or ${NAME:-default}',
    zh: '"${{inner}}" 不是变量引用：应写作 ${NAME} 或 ${NAME:-default}',
  },
  envNotSet: { en: 'environment variable {name} is not set', zh: '环境变量 {name} 未设置' },
  // Types and values (config/issue-text.ts).
  required: { en: 'is required ({expectedText})', zh: '必须填写（{expectedText}）' },
  quotedBoolean: {
    en: 'expected true or false, got the quoted string {value}: remove the quotes',
    zh: '应为 true 或 false，实际是带引号的字符串 {value}：去掉引号',
  },
  yaml11Boolean: {
    en: 'expected true or false, got the string {value} (YAML 1.2 reads only true/false as booleans)',
    zh: '应为 true 或 false，实际是字符串 {value}（YAML 1.2 只把 true/false 当作布尔值）',
  },
  quotedNumber: {
    en: 'expected a number, got the quoted string {value}: remove the quotes',
    zh: '应为数字，实际是带引号的字符串 {value}：去掉引号',
  },
  oneOf: { en: 'expected one of {options}; got {gotText}', zh: '应为以下之一：{options}；实际是{gotText}' },
  oneOfForms: { en: 'expected one of the allowed forms, got {gotText}', zh: '应为允许的写法之一，实际是{gotText}' },
  atMostItems: { en: 'at most {n} items', zh: '最多 {n} 项' },
  atMostChars: { en: 'at most {n} characters', zh: '最多 {n} 个字符' },
  atMostItemsGot: { en: 'at most {n} items, got {got}', zh: '最多 {n} 项，实际有 {got} 项' },
  atMostCharsGot: { en: 'at most {n} characters, got {got}', zh: '最多 {n} 个字符，实际有 {got} 个' },
  mustBe: { en: 'must be {op} {limit}, got {gotText}', zh: '必须 {op} {limit}，实际是{gotText}' },
  atLeastItem: { en: 'needs at least {n} item', zh: '至少需要 {n} 项' },
  atLeastItems: { en: 'needs at least {n} items', zh: '至少需要 {n} 项' },
  notEmpty: { en: 'must not be empty', zh: '不能为空' },
  atLeastChars: { en: 'at least {n} characters', zh: '至少 {n} 个字符' },
  multipleOf: { en: 'must be a multiple of {divisor}, got {gotText}', zh: '必须是 {divisor} 的倍数，实际是{gotText}' },
  unknownKeyGuess: { en: 'unknown key "{key}" (did you mean "{guess}"?)', zh: '未知的键 "{key}"（是不是想写 "{guess}"？）' },
  riskTypedIn: {
    en: 'unknown key "{key}": the risk colour is derived from the venue facts (flammables, crowded, fireKeyUnit, mixedUse, heavyGasUse, lowRisk), never typed in',
    zh: '未知的键 "{key}"：风险颜色由场所事实（flammables、crowded、fireKeyUnit、mixedUse、heavyGasUse、lowRisk）推导得出，不能直接填写',
  },
  unknownKey: { en: 'unknown key "{key}"', zh: '未知的键 "{key}"' },
  noForm: { en: 'does not match any allowed form', zh: '不符合任何允许的写法' },
  badName: { en: 'bad name {name}: {whyText}', zh: '名称 {name} 不合规：{whyText}' },
  badEntry: { en: 'bad entry: {whyText}', zh: '条目不合规：{whyText}' },
  withGot: { en: '{messageText}; got {gotText}', zh: '{messageText}；实际是{gotText}' },
  expectedGot: { en: 'expected {expectedText}, got {gotText}', zh: '应为{expectedText}，实际是{gotText}' },
  theString: { en: 'the string {value}', zh: '字符串 {value}' },
  nothing: { en: 'nothing', zh: '空（未填写）' },
  emptyValue: { en: 'an empty value', zh: '空值' },
  aList: { en: 'a list', zh: '列表' },
  aBlock: { en: 'a block of keys', zh: '键值块' },
  aNumber: { en: 'a number', zh: '数字' },
  aWholeNumber: { en: 'a whole number', zh: '整数' },
  text: { en: 'text', zh: '文本' },
  trueOrFalse: { en: 'true or false', zh: 'true 或 false' },
  // The schema's own messages (config/schema.ts, config/profile.ts).
  idForm: {
    en: 'expected an id of letters, digits, ".", "-" or "_" (at most 64, starting with a letter or digit)',
    zh: '应为由字母、数字、"."、"-" 或 "_" 组成的 id（最多 64 个字符，以字母或数字开头）',
  },
  gatewayIdForm: {
    en: 'expected 3–64 letters, digits, ".", "-" or "_" (it goes into MQTT topics: no "/", "+", "#" or spaces)',
    zh: '应为 3–64 个字母、数字、"."、"-" 或 "_"（它会出现在 MQTT 主题中：不能有 "/"、"+"、"#" 或空格）',
  },
  nameForm: {
    en: 'expected a lower-case name: a letter, then letters, digits, "-" or "_" (at most 48)',
    zh: '应为小写名称：以字母开头，后面是字母、数字、"-" 或 "_"（最多 48 个字符）',
  },
  adminCodeForm: {
    en: 'expected the 12-digit administrative division code of the township (行政区划代码), e.g. 500242100000',
    zh: '应为乡镇（街道）的 12 位行政区划代码，例如 500242100000',
  },
  lowRiskReason: { en: 'give the reason the township recorded', zh: '填写乡镇记录的理由' },
  linkageNeedsAction: { en: 'a linkage rule needs at least one action', zh: '联动规则至少需要一个动作' },
  uplinkUrlForm: {
    en: 'expected mqtt://, mqtts://, ws:// or wss:// and a host, e.g. mqtts://platform.example:8883',
    zh: '应为 mqtt://、mqtts://、ws:// 或 wss:// 加主机，例如 mqtts://platform.example:8883',
  },
  addressForm: { en: 'expected an address 0–65535, or hex 0x0000–0xFFFF', zh: '地址应为 0–65535，或十六进制 0x0000–0xFFFF' },
  busType: { en: 'expected type rtu, tcp or rtu-over-tcp', zh: 'type 应为 rtu、tcp 或 rtu-over-tcp' },
  outputDriverType: {
    en: 'expected driver type gpio, modbus-coil, modbus-register or memory',
    zh: '驱动 type 应为 gpio、modbus-coil、modbus-register 或 memory',
  },
  inputDriverType: { en: 'expected driver type gpio or memory', zh: '驱动 type 应为 gpio 或 memory' },
  fcBitsType: { en: 'fc {fc} reads single bits: type must be bool, got {type}', zh: 'fc {fc} 读取单个位：type 必须是 bool，实际是 {type}' },
  fcRegistersBit: {
    en: 'fc {fc} reads registers: use bit (with bit: N) for one bit of a register, not bool',
    zh: 'fc {fc} 读取寄存器：取寄存器中的某一位用 bit（并写 bit: N），不用 bool',
  },
  bitNeedsBit: { en: 'type bit needs bit: 0–15', zh: 'type bit 需要 bit: 0–15' },
  bitOnlyWithBit: { en: 'bit only goes with type bit, not {type}', zh: 'bit 只能与 type bit 一起用，不能与 {type} 一起用' },
  twoRegisters: { en: 'a {type} takes two registers: address must be ≤ 65534', zh: '{type} 占两个寄存器：address 必须 ≤ 65534' },
  rangeOrder: { en: 'range.max {max} must be above range.min {min}', zh: 'range.max {max} 必须大于 range.min {min}' },
  scaleZero: { en: 'scale 0 would read every value as the offset', zh: 'scale 为 0 会把每个读数都读成 offset' },
  stateWhenNames: {
    en: '"{when}" is neither a bit name nor an enum label of this point ({names})',
    zh: '"{when}" 既不是该点的位名称，也不是它的枚举标签（{names}）',
  },
  stateWhenNone: {
    en: '"{when}" is neither a bit name nor an enum label of this point: add bits or enum',
    zh: '"{when}" 既不是该点的位名称，也不是它的枚举标签：请添加 bits 或 enum',
  },
  profileNeedsPoint: { en: 'a profile needs at least one point', zh: '设备型号定义（profile）至少需要一个点' },
  noPointInProfile: { en: 'no point "{channel}" in this profile', zh: '该型号定义中没有点 "{channel}"' },
  // Secret and TLS files (config/load.ts).
  cannotReadPasswordFile: { en: 'cannot read the password file {file}: {whyText}', zh: '无法读取密码文件 {file}：{whyText}' },
  cannotReadTokenFile: { en: 'cannot read the token file {file}: {whyText}', zh: '无法读取令牌文件 {file}：{whyText}' },
  cannotReadTlsFile: { en: 'cannot read the TLS file {file}: {whyText}', zh: '无法读取 TLS 文件 {file}：{whyText}' },
  secretEmpty: { en: 'the file {file} is empty', zh: '文件 {file} 是空的' },
  tlsProblem: { en: 'the TLS file {file} {problemText}', zh: 'TLS 文件 {file} {problemText}' },
  isEmpty: { en: 'is empty', zh: '是空的' },
  notPem: {
    en: 'is not PEM (no -----BEGIN …----- block): convert it with openssl x509 -outform PEM',
    zh: '不是 PEM 格式（没有 -----BEGIN …----- 块）：用 openssl x509 -outform PEM 转换',
  },
  notPrivateKey: { en: 'holds {labels}, not a private key', zh: '内容是 {labels}，不是私钥' },
  notCertificate: { en: 'holds {labels}, not a certificate', zh: '内容是 {labels}，不是证书' },
  certDoesNotParse: { en: 'holds a certificate that does not parse ({why})', zh: '含有无法解析的证书（{why}）' },
  // Venue (config/cross-check.ts, config/venue.ts).
  duplicateId: { en: 'duplicate id "{id}": {section}[{first}] has it already', zh: '重复的 id "{id}"：{section}[{first}] 已经用了它' },
  alwaysFlammables: {
    en: 'a {category} venue (Annex 2 item {item}) handles flammable or explosive goods by definition: set true',
    zh: '{category} 类场所（附件2第 {item} 项）按定义经营或储存易燃易爆物品：应设为 true',
  },
  lowRiskNotYellow: {
    en: 'a low-risk (blue) decision applies only to a venue that would otherwise be yellow; this one is {colourText} because it {whyText}',
    zh: '低风险（蓝色）认定只适用于本应为黄色的场所；此场所为{colourText}，因为它{whyText}',
  },
  red: { en: 'red', zh: '红色（高风险）' },
  orange: { en: 'orange', zh: '橙色（较高风险）' },
  countyCode: {
    en: "{code} is a county-level code (digits 7–9 are 000): the platform routes alarms by township, give the township's code",
    zh: '{code} 是县级代码（第 7–9 位为 000）：平台按乡镇分派报警，请填写乡镇（街道）的代码',
  },
  villageCode: {
    en: '{code} is a village/community code: the platform routes alarms by township, e.g. {township}',
    zh: '{code} 是村（社区）级代码：平台按乡镇分派报警，例如 {township}',
  },
  ...sizeMessages(),
  floorOutside: {
    en: 'floor {floor} is outside floors 1–3, where a small entertainment venue must be: not a small venue under Annex 2',
    zh: '楼层 {floor} 不在 1–3 层（小型娱乐场所须在 1–3 层）：按附件2不属于小场所',
  },
  nurseryPeople: {
    en: 'people {people} is over the limit of 100 for a day nursery or kindergarten by {by}: not a small venue under Annex 2 if it is one (a day school is small up to 500)',
    zh: '人数 {people} 超过托儿所、幼儿园 100 人的上限，超出 {by}：如果是托幼机构，按附件2不属于小场所（走读学校 500 人以内仍属小场所）',
  },
  // The reasons of Article 6(4) when a low-risk decision is refused (joined by "; ").
  whyFlammablesAndCrowded: {
    en: 'handles flammable or explosive goods and {crowdedText}',
    zh: '经营或储存易燃易爆物品，且{crowdedText}',
  },
  whyFlammables: { en: 'handles flammable or explosive goods', zh: '经营或储存易燃易爆物品' },
  whyFireKeyUnit: { en: 'is a fire-safety key unit, 消防重点场所', zh: '是消防重点场所' },
  whyMixedUse: { en: 'is a mixed multi-business premises, 多业态混合', zh: '是多业态混合经营场所' },
  whyHeavyGas: { en: 'uses a lot of gas, e.g. a hotpot restaurant', zh: '大量使用燃气，如火锅店' },
  whyCrowdedByCategory: { en: 'is a crowded place (default for category {category})', zh: '属人员密集场所（{category} 类场所的默认值）' },
  whyCrowded: { en: 'is a crowded place', zh: '属人员密集场所' },
  // Buses.
  serialTwoSettings: {
    en: '{path} is already bus "{bus}" at {line}; one serial line cannot also run at {other}',
    zh: '{path} 已经是总线 "{bus}"（{line}）；同一条串口线不能同时以 {other} 运行',
  },
  serialTwice: {
    en: '{path} is already bus "{bus}": put all devices of one serial line on one bus',
    zh: '{path} 已经是总线 "{bus}"：同一条串口线上的设备应放在同一条总线下',
  },
  unstablePath: {
    en: '{path} can change after a reboot or replug; prefer the stable /dev/serial/by-id/… path',
    zh: '{path} 在重启或重新插拔后可能改变；请使用稳定的 /dev/serial/by-id/… 路径',
  },
  serialServerTwice: {
    en: '{endpoint} is already bus "{bus}": a serial server\'s line takes one master, put its devices on one bus',
    zh: '{endpoint} 已经是总线 "{bus}"：串口服务器的一条线只能有一个主站，把它的设备放在同一条总线下',
  },
  endpointTwice: {
    en: '{endpoint} is also bus "{bus}": devices behind one endpoint are better on one bus',
    zh: '{endpoint} 也是总线 "{bus}"：同一地址后面的设备最好放在同一条总线下',
  },
  busNoDevices: { en: 'bus "{bus}" has no devices', zh: '总线 "{bus}" 下没有设备' },
  // Devices and channels.
  noDevices: { en: 'no devices: this gateway watches nothing', zh: '没有设备：这台网关什么也不监测' },
  noBusGuess: { en: 'no bus "{bus}" (did you mean "{guess}"?); buses: {list}', zh: '没有总线 "{bus}"（是不是想写 "{guess}"？）；已有总线：{list}' },
  noBus: { en: 'no bus "{bus}"; buses: {list}', zh: '没有总线 "{bus}"；已有总线：{list}' },
  slaveBroadcast: {
    en: 'slave id 0 is the broadcast address: no device answers it; use 1–247 (factory default is usually 1)',
    zh: '从站地址 0 是广播地址：没有设备会应答；请用 1–247（出厂默认通常为 1）',
  },
  slaveReserved: { en: 'slave id {id} is reserved on a serial line; use 1–247', zh: '从站地址 {id} 在串口线上是保留地址；请用 1–247' },
  slaveTaken: { en: 'slave id {id} on bus "{bus}" is already device "{device}"', zh: '总线 "{bus}" 上的从站地址 {id} 已被设备 "{device}" 使用' },
  unknownProfileGuess: {
    en: 'unknown profile "{profile}" (did you mean "{guess}"?); known: {list}',
    zh: '未知的设备型号 "{profile}"（是不是想写 "{guess}"？）；已有：{list}',
  },
  unknownProfile: { en: 'unknown profile "{profile}"; known: {list}', zh: '未知的设备型号 "{profile}"；已有：{list}' },
  noPointGuess: {
    en: 'profile "{profile}" has no point "{point}" (did you mean "{guess}"?); points: {list}',
    zh: '设备型号 "{profile}" 没有点 "{point}"（是不是想写 "{guess}"？）；已有的点：{list}',
  },
  noPoint: { en: 'profile "{profile}" has no point "{point}"; points: {list}', zh: '设备型号 "{profile}" 没有点 "{point}"；已有的点：{list}' },
  thresholdRange: {
    en: '{level} {value} {unit} is outside the allowed {kind} range {range}; source: {source}',
    zh: '{level} {value} {unit} 超出 {kind} 允许的范围 {range}；依据：{source}',
  },
  warningBelowAlarm: { en: 'warning {warning} must be below alarm {alarm}', zh: 'warning {warning} 必须低于 alarm {alarm}' },
  lowAlarmBelow: { en: 'lowAlarm {lowAlarm} must be below lowWarning {lowWarning}', zh: 'lowAlarm {lowAlarm} 必须低于 lowWarning {lowWarning}' },
  rateOfRise: { en: 'rate-of-rise applies to temperature channels, not {kind}', zh: '温升速率只适用于温度通道，不适用于 {kind}' },
  responseTime: {
    en: '{channel}: poll {poll} ms + on-delay {delay} ms + timeout {timeout} ms = {worst} ms is over the {limit} s response time ({source})',
    zh: '{channel}：轮询 {poll} ms + 延时 {delay} ms + 超时 {timeout} ms = {worst} ms，超过 {limit} s 的响应时间（{source}）',
  },
  builtinProfileName: { en: '"{name}" is a built-in profile: give yours another name', zh: '"{name}" 是内置设备型号：请给你的型号另起名字' },
  modicon: {
    en: '{address} looks like Modicon notation; on the wire that is register {wire} ({hex}): write address: {wire} if so',
    zh: '{address} 像是 Modicon 编号；在线路上是寄存器 {wire}（{hex}）：如果是，请写 address: {wire}',
  },
  // Inputs, outputs, linkage.
  gpioInputTaken: { en: 'GPIO line {line} is already input "{input}"', zh: 'GPIO 线 {line} 已经是输入 "{input}"' },
  inputIsDevice: {
    en: '"{id}" is also a device id: a dry contact appears as a device, give it its own id',
    zh: '"{id}" 也是一个设备 id：干接点会作为设备出现，请给它单独的 id',
  },
  valveNeedsClosedLevel: {
    en: 'a gas-valve needs closedLevel: the level that closes it (off for a fail-safe, normally closed valve)',
    zh: 'gas-valve 需要 closedLevel：使阀门关闭的电平（失电关闭的常闭阀为 off）',
  },
  valveSafeState: {
    en: "a gas valve's safe state is closed: safeState must be {level} (its closedLevel)",
    zh: '燃气阀的安全状态是关闭：safeState 必须是 {level}（即它的 closedLevel）',
  },
  closedLevelOnlyValve: { en: 'closedLevel only applies to a gas-valve, not a {role}', zh: 'closedLevel 只适用于 gas-valve，不适用于 {role}' },
  gpioTaken: { en: 'GPIO line {line} is already used by "{id}"', zh: 'GPIO 线 {line} 已被 "{id}" 使用' },
  noDeviceToDrive: {
    en: 'no device "{device}" to drive; a relay module must be in devices',
    zh: '没有可驱动的设备 "{device}"；继电器模块必须写在 devices 中',
  },
  addressTaken: { en: '{device} {address} is already output "{output}"', zh: '{device} {address} 已经是输出 "{output}"' },
  noWritableCoil: {
    en: 'device "{device}" (profile {profile}) has no writable coil {coil}; coils: {list}',
    zh: '设备 "{device}"（型号 {profile}）没有可写线圈 {coil}；可写线圈：{list}',
  },
  noDiscreteInput: {
    en: 'device "{device}" (profile {profile}) has no discrete input {input}; inputs: {list}',
    zh: '设备 "{device}"（型号 {profile}）没有离散输入 {input}；离散输入：{list}',
  },
  deviceOrGroup: { en: 'name a device or a group, not both', zh: '写一个设备或一个分组，不能两个都写' },
  noDevice: { en: 'no device "{device}"', zh: '没有设备 "{device}"' },
  noGroup: { en: 'no device is in group "{group}"; groups: {list}', zh: '没有设备属于分组 "{group}"；已有分组：{list}' },
  noOutput: { en: 'no output "{output}"', zh: '没有输出 "{output}"' },
  valveOnlyClosed: {
    en: 'a gas valve can only be closed by linkage; reopening needs a local reset on site (got {action})',
    zh: '联动只能关闭燃气阀；重新打开需要在现场本地复位（实际写的是 {action}）',
  },
  closeIsForValve: { en: 'close is for a gas-valve; "{id}" is a {role}: use on or off', zh: 'close 只用于 gas-valve；"{id}" 是 {role}：请用 on 或 off' },
  valveNotClosed: { en: 'gas valve "{id}" is not closed by any linkage rule', zh: '没有任何联动规则会关闭燃气阀 "{id}"' },
  gasVenueNoGas: {
    en: 'the venue uses a lot of gas but no device has a gas channel',
    zh: '该场所大量使用燃气，但没有任何设备有燃气通道',
  },
  // A fire-monitoring centre (GB/T 26875.3).
  noDeviceOrInput: { en: 'no device or input "{device}"', zh: '没有设备或输入 "{device}"' },
  noChannelOfDevice: {
    en: 'device "{device}" has no channel "{channel}"; points: {list}',
    zh: '设备 "{device}" 没有通道 "{channel}"；已有的点：{list}',
  },
  contactChannel: { en: 'a dry contact\'s channel is "contact", not "{channel}"', zh: '干接点的通道名是 "contact"，不是 "{channel}"' },
  componentAddressTaken: { en: 'component address {address} is already {key}', zh: '部件地址 {address} 已被 {key} 使用' },
  deviceChannelKey: { en: 'expected DEVICE/CHANNEL', zh: '应写作 设备/通道' },
  // Uplink and status page.
  noUplink: {
    en: 'no uplink: alarms are kept and acted on locally but reach no platform',
    zh: '没有配置上报：报警会在本地保存和处置，但不会到达任何平台',
  },
  passwordTwice: { en: 'give password or passwordFile, not both', zh: 'password 和 passwordFile 只能写一个' },
  passwordInline: {
    en: 'the password is inline in the config file: use ${MQTT_PASSWORD} or passwordFile so the file can be shared',
    zh: '密码直接写在配置文件里：请用 ${MQTT_PASSWORD} 或 passwordFile，这样文件可以分享',
  },
  credentialsInUrl: {
    en: 'credentials inside the url: give username and password (or passwordFile) instead',
    zh: 'url 中含有账号密码：请改用 username 和 password（或 passwordFile）',
  },
  tlsOnPlain: { en: 'tls is set but the url {url} is plain: use mqtts:// or wss://', zh: '设置了 tls，但 url {url} 是明文连接：请用 mqtts:// 或 wss://' },
  certAndKey: { en: 'a client certificate needs both cert and key', zh: '客户端证书需要同时提供 cert 和 key' },
  brokerUnchecked: {
    en: "the broker's certificate is not checked: anyone can pose as the platform",
    zh: '没有校验服务器证书：任何人都可以冒充平台',
  },
  tokenTwice: { en: 'give token or tokenFile, not both', zh: 'token 和 tokenFile 只能写一个' },
  statusExposed: {
    en: 'the status page on {host} is reachable beyond this box: set token or tokenFile, or bind 127.0.0.1',
    zh: '{host} 上的状态页可从本机以外访问：请设置 token 或 tokenFile，或只绑定 127.0.0.1',
  },
  tokenInline: {
    en: 'the token is inline in the config file: use ${STATUS_TOKEN} or tokenFile',
    zh: '令牌直接写在配置文件里：请用 ${STATUS_TOKEN} 或 tokenFile',
  },
  // Last: a list of reasons ("a; b; c"), each translated on its own.
  joined: { en: '{aText}; {bText}', zh: '{aText}；{bText}' },
} as const satisfies Catalogue;
