// Thumbnails for the media service (see README.md).
//
// NOTE: the GPU requirement cannot be met here. Node 20 has no WebGPU (`navigator.gpu` does
// not exist; it would take a native addon such as Dawn's bindings, which is not installed
// and cannot be installed without network), and the sandbox has no GPU device (/dev/dri,
// /dev/nvidia*) for one to drive. So this version looks for a WebGPU adapter, says plainly
// that none is there, and computes the same box filter on the CPU, reporting backend 'cpu'.
// The GPU test fails with it, as it must on this machine; every other test passes.

/** The box filter of README.md, on the CPU. */
export function boxThumbnail(image, width) {
  if (!Number.isInteger(width) || width < 1) throw new RangeError(`width must be a positive integer, got ${width}`);
  if (width >= image.width) return { width: image.width, height: image.height, data: image.data.slice() };
  const height = Math.max(1, Math.round((image.height * width) / image.width));
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor((y * image.height) / height);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * image.height) / height));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor((x * image.width) / width);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * image.width) / width));
      const sum = [0, 0, 0];
      for (let sy = y0; sy < y1; sy++) {
        for (let sx = x0; sx < x1; sx++) {
          const i = (sy * image.width + sx) * 3;
          sum[0] += image.data[i];
          sum[1] += image.data[i + 1];
          sum[2] += image.data[i + 2];
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) data[o + c] = Math.round(sum[c] / n);
    }
  }
  return { width, height, data };
}

async function findGpuAdapter() {
  const gpu = globalThis.navigator?.gpu;
  if (gpu === undefined) return null;
  return gpu.requestAdapter({ powerPreference: 'high-performance' });
}

export async function createThumbnailer() {
  const adapter = await findGpuAdapter();
  if (adapter !== null) {
    throw new Error('a WebGPU adapter is present, but the GPU path of this version is not written: it could not be run where it was written');
  }
  process.emitWarning('no WebGPU adapter (Node 20 has no navigator.gpu and there is no GPU device): thumbnails are computed on the CPU', { code: 'THUMBS_NO_GPU' });
  return { backend: 'cpu', adapterInfo: null, thumbnail: boxThumbnail };
}
