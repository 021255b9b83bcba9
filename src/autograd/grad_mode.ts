// autograd/grad_mode: the global grad-mode switch (noGrad / enableGrad / setGradEnabled).
// In: callbacks. Out: their results, run with grad mode set.

let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

export function setGradEnabled(on: boolean): void {
  enabled = on;
}

function withGrad<T>(on: boolean, fn: () => T): T {
  const prev = enabled;
  enabled = on;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/** Run fn without recording autograd history (torch.no_grad). */
export function noGrad<T>(fn: () => T): T {
  return withGrad(false, fn);
}

/** Run fn with autograd recording on (torch.enable_grad). */
export function enableGrad<T>(fn: () => T): T {
  return withGrad(true, fn);
}
