// Images in and out of the page: EncodedImage messages to bitmaps, photos to the model's square
// input, and byte arrays to downloaded files.
import { ImageEncoding, type EncodedImage } from "./gen/draggan/v1/common_pb";

const mediaTypes: Partial<Record<ImageEncoding, string>> = {
  [ImageEncoding.PNG]: "image/png",
  [ImageEncoding.JPEG]: "image/jpeg",
};

/** Decodes an image the service sent (PNG, JPEG or RAW_RGB). */
export async function decodeImage(image: EncodedImage): Promise<ImageBitmap> {
  if (image.encoding === ImageEncoding.RAW_RGB) {
    const rgba = new Uint8ClampedArray(image.width * image.height * 4);
    for (let p = 0, i = 0; i < image.data.length; p += 4, i += 3) {
      rgba[p] = image.data[i];
      rgba[p + 1] = image.data[i + 1];
      rgba[p + 2] = image.data[i + 2];
      rgba[p + 3] = 255;
    }
    return createImageBitmap(new ImageData(rgba, image.width, image.height));
  }
  const type = mediaTypes[image.encoding] ?? "application/octet-stream";
  return createImageBitmap(new Blob([image.data as Uint8Array<ArrayBuffer>], { type }));
}

/**
 * A photo as the PNG the service inverts: its centre square, resized to the model's resolution.
 * The service accepts square images only, and resizing here keeps the upload small.
 */
export async function photoToModelInput(file: Blob, resolution: number): Promise<Uint8Array> {
  const photo = await createImageBitmap(file);
  try {
    const side = Math.min(photo.width, photo.height);
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = resolution;
    const context = canvas.getContext("2d");
    if (!context) throw new Error("This browser has no 2D canvas.");
    context.imageSmoothingQuality = "high";
    context.drawImage(photo, (photo.width - side) / 2, (photo.height - side) / 2, side, side, 0, 0, resolution, resolution);
    const png = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/png"));
    if (!png) throw new Error("The photo could not be encoded as PNG.");
    return new Uint8Array(await png.arrayBuffer());
  } finally {
    photo.close();
  }
}

/** Hands bytes to the browser as a download named `fileName`. */
export function saveFile(data: Uint8Array, mediaType: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([data as Uint8Array<ArrayBuffer>], { type: mediaType }));
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later rather than at once: the browser may still be reading it.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
