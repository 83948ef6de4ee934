import { USAGE } from './pool.js';

/**
 * Records dispatches and buffer copies into one command encoder and submits them in batches:
 * every MAX_DISPATCHES dispatches, before a readback, and before a queue write that could
 * overtake recorded work. Each dispatch gets a 256-byte slot in a uniform arena; the arena is
 * written once per batch just before the submit. Reusing it across batches is safe because
 * queue writes and submits execute in call order.
 */
export const SLOT_BYTES = 256;
const SLOT_WORDS = SLOT_BYTES / 4;
const MAX_DISPATCHES = 128;

export type ParamWriter = (u32: Uint32Array, i32: Int32Array, f32: Float32Array, at: number) => void;

export class Batcher {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private slots = 0;
  private readonly arena: GPUBuffer;
  private readonly data = new ArrayBuffer(SLOT_BYTES * MAX_DISPATCHES);
  private readonly u32 = new Uint32Array(this.data);
  private readonly i32 = new Int32Array(this.data);
  private readonly f32 = new Float32Array(this.data);
  /** Increments on every submit. */
  batchId = 0;
  dispatches = 0;

  constructor(private readonly device: GPUDevice) {
    this.arena = device.createBuffer({ size: SLOT_BYTES * MAX_DISPATCHES, usage: USAGE.UNIFORM | USAGE.COPY_DST });
  }

  /** Whether commands are recorded but not yet submitted. */
  get pending(): boolean {
    return this.encoder !== null;
  }

  dispatch(
    target: { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout },
    buffers: readonly GPUBuffer[],
    params: ParamWriter,
    groups: readonly [number, number, number],
  ): void {
    if (groups[0] === 0 || groups[1] === 0 || groups[2] === 0) return;
    if (this.slots === MAX_DISPATCHES) this.flush();
    const slot = this.slots++;
    params(this.u32, this.i32, this.f32, slot * SLOT_WORDS);
    const entries: GPUBindGroupEntry[] = [
      { binding: 0, resource: { buffer: this.arena, offset: slot * SLOT_BYTES, size: SLOT_BYTES } },
    ];
    buffers.forEach((buffer, i) => entries.push({ binding: i + 1, resource: { buffer } }));
    const bindGroup = this.device.createBindGroup({ layout: target.layout, entries });
    const pass = this.computePass();
    pass.setPipeline(target.pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
    this.dispatches++;
  }

  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    if (bytes === 0) return;
    this.commands().copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
  }

  flush(): void {
    if (!this.encoder) return;
    if (this.pass) this.pass.end();
    if (this.slots > 0) this.device.queue.writeBuffer(this.arena, 0, this.data, 0, this.slots * SLOT_BYTES);
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.pass = null;
    this.slots = 0;
    this.batchId++;
  }

  /** The encoder with no compute pass open, for copies. */
  commands(): GPUCommandEncoder {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    return this.encoder;
  }

  private computePass(): GPUComputePassEncoder {
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    if (!this.pass) this.pass = this.encoder.beginComputePass();
    return this.pass;
  }

  destroy(): void {
    this.arena.destroy();
  }
}
