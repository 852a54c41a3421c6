// Thumbnails for the media service (see README.md).

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

export async function createThumbnailer() {
  return { backend: 'cpu', adapterInfo: null, thumbnail: boxThumbnail };
}
