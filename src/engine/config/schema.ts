/**
 * A strict zod schema of a *normalized* DecodeConfig, derived from the parameter table. Where
 * normalizeConfig repairs input, this only says yes or no: the worker uses it to reject a malformed
 * message, and the tests use it as an independent check that normalization always yields a valid
 * config (every key, in range, canonical floats).
 */
import { z } from 'zod';
import { PARAMS, PARAM_KEYS, type DecodeConfig, type ParamSpec } from './params.ts';
import { codePointLength, isWellFormed, roundFloat } from './text.ts';

function field(spec: ParamSpec): z.ZodType {
  switch (spec.kind) {
    case 'int':
      return z.number().int().min(spec.min).max(spec.max);
    case 'float':
      return z
        .number()
        .min(spec.min)
        .max(spec.max)
        .refine((x) => roundFloat(x) === x && !Object.is(x, -0), 'not in canonical form (6 significant digits)');
    case 'enum':
      return z.enum(spec.values as [string, ...string[]]);
    case 'bool':
      return z.boolean();
    case 'text':
      return z
        .string()
        .refine(isWellFormed, 'contains lone surrogates')
        .refine((s) => codePointLength(s) <= spec.maxChars, `longer than ${spec.maxChars} characters`)
        .refine((s) => spec.check?.(s) === undefined, 'invalid');
    case 'list':
      return z
        .array(
          z
            .string()
            .min(1)
            .refine(isWellFormed, 'contains lone surrogates')
            .refine((s) => codePointLength(s) <= spec.maxItemChars, `longer than ${spec.maxItemChars} characters`),
        )
        .max(spec.maxItems);
  }
}

const shape = Object.fromEntries(PARAM_KEYS.map((k) => [k, field(PARAMS[k])]));

export const DecodeConfigSchema = z
  .strictObject(shape)
  .refine((c) => (c.cntp_entropy_min as number) < (c.cntp_entropy_max as number), {
    message: 'cntp_entropy_min must be below cntp_entropy_max',
    path: ['cntp_entropy_min'],
  }) as unknown as z.ZodType<DecodeConfig>;
