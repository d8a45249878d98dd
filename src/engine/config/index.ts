/** DecodeConfig: schema and defaults, strategy registry, validation, URL codec. No DOM, no React. */
export {
  PARAMS,
  PARAM_KEYS,
  ALWAYS_ENCODED,
  DEFAULT_CONFIG,
  DEFAULT_MODEL,
  DEFAULT_DRAFT,
  BACKENDS,
  DTYPES,
  STRATEGY_IDS,
  DEFAULT_STRATEGY,
  MAX_PROMPT_CHARS,
  checkModelId,
  isParamKey,
  paramSpec,
  type DecodeConfig,
  type ParamKey,
  type ParamSpec,
  type ParamGroup,
  type IntSpec,
  type FloatSpec,
  type EnumSpec,
  type BoolSpec,
  type TextSpec,
  type ListSpec,
  type StrategyId,
} from './params.ts';
export {
  STRATEGIES,
  COMMON_PARAMS,
  SAMPLING_PARAMS,
  isStrategyId,
  paramsForStrategy,
  type StrategyInfo,
} from './strategies.ts';
export { normalizeConfig, MAX_WARNINGS, type NormalizeResult } from './normalize.ts';
export { encodeConfig, decodeConfig, CONFIG_VERSION } from './url.ts';
export { describeConfig, configDiff } from './describe.ts';
export { DecodeConfigSchema } from './schema.ts';
/** For UI sliders and inputs: round and print numbers exactly as links do. */
export { roundFloat, formatNumber, FLOAT_DIGITS } from './text.ts';
