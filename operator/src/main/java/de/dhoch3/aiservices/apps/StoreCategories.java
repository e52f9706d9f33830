package de.dhoch3.aiservices.apps;

import java.util.List;
import java.util.Map;

/** The shared store's layout: ComfyUI-style category folders under one models root (ComfyUI folder_paths.py). */
public final class StoreCategories {
  private StoreCategories() {}

  public static final List<String> ALL =
      List.of(
          "checkpoints", "loras", "vae", "controlnet", "diffusion_models", "text_encoders", "clip",
          "clip_vision", "unet", "upscale_models", "embeddings", "vae_approx", "hypernetworks",
          "ipadapter", "diffusers", "style_models", "gligen", "photomaker", "model_patches",
          "audio_encoders", "t2i_adapter");

  /** Folders ComfyUI also searches for a category: text_encoders also clip, diffusion_models also unet, controlnet also t2i_adapter. */
  public static final Map<String, List<String>> ALIASES =
      Map.of(
          "text_encoders", List.of("text_encoders", "clip"),
          "diffusion_models", List.of("diffusion_models", "unet"),
          "controlnet", List.of("controlnet", "t2i_adapter"));

  /** The store folders that hold a category, aliases included. */
  public static List<String> foldersOf(String category) {
    return ALIASES.getOrDefault(category, List.of(category));
  }
}
