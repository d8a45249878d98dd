/**
 * Where a run's wall time went: model forwards (each ModelRunner sums its own in `forwardMs`),
 * the sampling kernels (summed here, by wrapping the kernels the run uses), and the rest (the
 * strategy's bookkeeping, trace building, the consumer of the events). The same split the peer
 * bench measures by wrapping ORT's `session.run` and the kernels' methods (bench/lib/loops.ts).
 * Strategies never run a forward and a kernel call at once, so the parts add up to the wall time.
 */
import type { Kernels } from './kernels/types.ts';

/** Milliseconds accumulated over calls. */
export interface Clock {
  ms: number;
}

/** What a timed proxy wraps: the real kernels and every clock its calls are added to. */
const timedParts = new WeakMap<object, { target: object; clocks: Clock[] }>();

/**
 * `kernels` with every method call timed into `clock` (until its promise settles, for the async
 * ones). A Proxy rather than a list of methods: optional methods (verifyTree) stay optional,
 * `instanceof` still sees the class, and methods run on the real object (its own internal calls
 * are not counted twice). Wrapping timed kernels again (the draft's kernels, a part of the run's)
 * times each call once and adds that one interval to every clock, so the run's clock always holds
 * at least the draft's and their difference is never negative.
 */
export function timedKernels<K extends Kernels>(kernels: K, clock: Clock): K {
  const inner = timedParts.get(kernels);
  const target = (inner?.target ?? kernels) as K;
  const clocks = [...(inner?.clocks ?? []), clock];
  const wrapped = new Map<PropertyKey, unknown>();
  const proxy = new Proxy(target, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      let w = wrapped.get(key);
      if (!w) {
        const method = value as (...args: unknown[]) => unknown;
        w = (...args: unknown[]) => {
          const t0 = performance.now();
          const stop = () => {
            const ms = performance.now() - t0;
            for (const c of clocks) c.ms += ms;
          };
          let out: unknown;
          try {
            out = method.apply(target, args);
          } catch (err) {
            stop();
            throw err;
          }
          if (out instanceof Promise) return out.finally(stop);
          stop();
          return out;
        };
        wrapped.set(key, w);
      }
      return w;
    },
  });
  timedParts.set(proxy, { target, clocks });
  return proxy;
}
