package de.dhoch3.aiservices.apps;

import de.dhoch3.aiservices.api.AIServiceSpec;
import java.util.List;
import java.util.Map;

/**
 * Input of a translation, already resolved and validated.
 *
 * @param name the AIService name
 * @param image the container image the app runs (sidecars may reuse it)
 * @param serviceDir the app's folder name on the data root and under the user share's output/
 * @param paths the container paths after the spec's overrides
 * @param port the port the app must listen on
 * @param categories the shared categories to offer, in store order, each with the store folders
 *     (relative to the store root) that hold it; extra paths from the spec are already added
 * @param spec the full spec, for app-specific options
 */
public record LayoutRequest(
    String name,
    String image,
    String serviceDir,
    ContainerPaths paths,
    int port,
    Map<String, List<String>> categories,
    AIServiceSpec spec) {}
