/** ECR's largest layer part: UploadLayerPart's layerPartBlob holds at most 20,971,520 bytes (AWS's model, LayerPartBlob). */
export const MAX_LAYER_PART_BYTES = 20_971_520;
