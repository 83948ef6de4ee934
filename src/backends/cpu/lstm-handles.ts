/**
 * The CPU backend's LSTM methods at the level of handles: allocation and the choice between
 * the WebAssembly and TypeScript kernels. Apart from ./lstm.ts because the WebAssembly kernels
 * import that file's recurrence contract, and this one imports them.
 */
import type { Handle, LstmInfo, LstmSaved } from '../backend.js';
import type { WasmKernels } from '../wasm/index.js';
import { type CpuHandle, arr } from './handle.js';
import { lstmBackwardKernel, lstmForwardKernel } from './lstm.js';

/** The backend's allocator (counted in memory()), for arrays of the inputs' dtype. */
type Make = (size: number) => CpuHandle;

/**
 * CpuBackend.lstmForward: allocates y [(T + 2)·B·H] and the saved gates, h and c, and runs the
 * kernel (WebAssembly where it applies).
 */
export function lstmForwardCpu(
  make: Make,
  wasm: WasmKernels | undefined,
  xProj: Handle,
  whh: Handle,
  h0: Handle,
  c0: Handle,
  info: LstmInfo,
): { y: CpuHandle; saved: LstmSaved } {
  const { steps: T, batch: B, hidden: H } = info;
  const [y, gates, hPrev, cPrev] = [make((T + 2) * B * H), make(T * B * 4 * H), make(T * B * H), make(T * B * H)];
  const lengths = info.lengths ? arr(info.lengths) : undefined;
  const o = { y: y.data, gates: gates.data, hPrev: hPrev.data, cPrev: cPrev.data };
  if (!wasm?.lstmForward(arr(xProj), arr(whh), arr(h0), arr(c0), lengths, info, o)) {
    lstmForwardKernel(arr(xProj), arr(whh), arr(h0), arr(c0), lengths, info, o);
  }
  return { y, saved: { gates, hPrev, cPrev } };
}

/** CpuBackend.lstmBackward: allocates the gate, recurrent-weight and initial-state gradients and runs the kernel. */
export function lstmBackwardCpu(
  make: Make,
  wasm: WasmKernels | undefined,
  dY: Handle,
  whh: Handle,
  saved: LstmSaved,
  info: LstmInfo,
): { dGates: CpuHandle; dWhh: CpuHandle; dh0: CpuHandle; dc0: CpuHandle } {
  const { steps: T, batch: B, hidden: H } = info;
  const [dGates, dWhh, dh0, dc0] = [make(T * B * 4 * H), make(4 * H * H), make(B * H), make(B * H)];
  const lengths = info.lengths ? arr(info.lengths) : undefined;
  const o = { dGates: dGates.data, dWhh: dWhh.data, dh0: dh0.data, dc0: dc0.data };
  const s = { gates: arr(saved.gates), hPrev: arr(saved.hPrev), cPrev: arr(saved.cPrev) };
  if (!wasm?.lstmBackward(arr(dY), arr(whh), s, lengths, info, o)) {
    lstmBackwardKernel(arr(dY), arr(whh), s.gates, s.hPrev, s.cPrev, lengths, info, o);
  }
  return { dGates, dWhh, dh0, dc0 };
}
