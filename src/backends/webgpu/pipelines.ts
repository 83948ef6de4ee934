/**
 * Compute pipelines cached by kernel key: family, entry point and the override constants
 * (op, dtype flags, transpose flags, tile sizes). Shapes never enter the key; they travel in
 * uniforms, so the number of pipelines is bounded by the op/flag combinations in use.
 */
export type Constants = Record<string, number | boolean>;

export class PipelineCache {
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout }>();

  constructor(private readonly device: GPUDevice) {}

  get count(): number {
    return this.pipelines.size;
  }

  get(family: string, source: string, entry: string, constants: Constants = {}) {
    const names = Object.keys(constants).sort();
    const key = `${family}:${entry}:${names.map((n) => `${n}=${Number(constants[n])}`).join(',')}`;
    const hit = this.pipelines.get(key);
    if (hit) return hit;
    let module = this.modules.get(family);
    if (!module) {
      module = this.device.createShaderModule({ label: family, code: source });
      this.modules.set(family, module);
    }
    const values: Record<string, number> = {};
    for (const n of names) values[n] = Number(constants[n]);
    const pipeline = this.device.createComputePipeline({
      label: key,
      layout: 'auto',
      compute: { module, entryPoint: entry, constants: values },
    });
    const made = { pipeline, layout: pipeline.getBindGroupLayout(0) };
    this.pipelines.set(key, made);
    return made;
  }
}
