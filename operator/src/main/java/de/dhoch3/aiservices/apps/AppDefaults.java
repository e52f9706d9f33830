package de.dhoch3.aiservices.apps;

import de.dhoch3.aiservices.api.App;
import java.util.List;

/**
 * What the catalog knows about an app's container, from the app's own source
 * (../shared/reference/app-catalog.md). Every value can be overridden per AIService.
 *
 * @param argsEnv when set, the image's start script reads extra flags from this env variable
 *     (e.g. CLI_ARGS) instead of the container's args
 * @param command the entrypoint to use, or null for the image's own
 * @param categories the shared store categories the app can be given, in the store's names
 * @param runAsUid the non-root UID the image runs as (its writable folders are chowned to it,
 *     because hostPath ignores fsGroup), or null when the app runs as root
 * @param imageNeeds for apps without a usable public image (image null): what an image must
 *     provide for this translation, said when spec.image is missing
 * @param capabilities what the image's entrypoint needs beyond none (every other capability is dropped)
 */
public record AppDefaults(
    App app,
    String image,
    int port,
    String readinessPath,
    String serviceDir,
    ContainerPaths paths,
    String argsEnv,
    List<String> command,
    List<String> categories,
    Long runAsUid,
    String imageNeeds,
    List<String> capabilities) {}
