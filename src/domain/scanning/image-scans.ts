/** The scans an image carries (`image.extra.scans`, see scanning-state.ts). */
import type { Image } from '../state.ts';
import type { ImageScans, ScanRecord, ScanType } from './scanning-state.ts';

/** The scans of an image, if any was ever started. */
export const imageScans = (image: Image): ImageScans | undefined => image.extra?.scans as ImageScans | undefined;

/** The record of one scan type. */
export const scanRecord = (image: Image, type: ScanType): ScanRecord | null => {
  const s = imageScans(image);
  return s === undefined ? null : type === 'BASIC' ? s.basic : s.enhanced;
};
