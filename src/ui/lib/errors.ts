/** Turns an engine or load error into what happened and what to do, for a teacher in front of a class. */
export interface Explained {
  title: string;
  detail: string;
  advice: string;
}

export function explainError(message: string, ctx: { model: string; online?: boolean }): Explained {
  const m = message.toLowerCase();
  const detail = message;
  // Online, and the request started but its body never completed (Chromium: "network error"): cut mid-file.
  if (ctx.online !== false && /network error/.test(m)) {
    return {
      title: 'Download interrupted',
      detail,
      advice: `The connection failed while downloading ${ctx.model} (the server may have dropped it). Press Try again: files already complete are kept in the browser cache. Or switch to the embedded model (it works offline).`,
    };
  }
  if (ctx.online === false || /failed to fetch|networkerror|err_internet|load failed|err_connection/.test(m)) {
    return {
      title: 'Download failed: the network is unreachable',
      detail,
      advice: `This browser looks offline, so ${ctx.model} could not be downloaded. Reconnect and press Load again, or switch to the embedded model (it works offline).`,
    };
  }
  if (/out of memory|oom|allocation|allocate|memory access out of bounds|device lost|devicelost|too large/.test(m)) {
    return {
      title: 'Out of memory',
      detail,
      advice: 'The model did not fit in this device\'s memory. Pick a smaller model or a smaller weight format (q4 / q8), or switch the backend to WASM.',
    };
  }
  if (/404|not found|could not locate|unauthorized|401|403|does not exist|repository/.test(m)) {
    return {
      title: `Model not found: ${ctx.model}`,
      detail,
      advice: 'Check the model id (owner/name on huggingface.co, with ONNX weights in an onnx/ folder) or the weight format; embedded ids start with playground/.',
    };
  }
  if (/shader-f16|f16|webgpu/.test(m)) {
    return {
      title: 'WebGPU could not run this model',
      detail,
      advice: 'Choose the WASM backend, or fp32 / q4 weights (this GPU may lack shader-f16).',
    };
  }
  return {
    title: 'Something went wrong',
    detail,
    advice: 'Your prompt and settings are kept. Try Load again, another backend or weight format, or reload the page.',
  };
}
