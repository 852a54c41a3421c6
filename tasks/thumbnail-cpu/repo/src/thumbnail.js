// Thumbnails for the media service (see README.md).

/**
 * Sets up the renderer. Resolves to:
 *   backend      'webgpu' or 'cpu': where thumbnails are computed
 *   adapterInfo  for 'webgpu', the adapter's { vendor, architecture, device, description,
 *                isFallbackAdapter }; null for 'cpu'
 *   thumbnail(image, width)  the image scaled to `width` pixels wide (see README.md)
 */
export async function createThumbnailer() {
  throw new Error('not implemented');
}
