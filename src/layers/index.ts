export { OverlayLayerFiles, newShortId } from './store.ts';
export { COMPRESSED_MEDIA_TYPES, detectCompression, type Compression } from './decompress.ts';
export { TAR_EXTRACT_FLAGS } from './gnu-tar.ts';
