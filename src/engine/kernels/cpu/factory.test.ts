import { describe, expect, it } from 'vitest';
import { createKernels } from '../index.ts';

describe('createKernels', () => {
  it('gives the CPU reference for backend cpu', async () => {
    const choice = await createKernels('cpu');
    expect(choice.backend).toBe('cpu');
    expect(choice.kernels.backend).toBe('cpu');
    expect(choice.fallbackReason).toBeUndefined();
  });
});
