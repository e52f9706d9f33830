package de.dhoch3.aiservices.apps;

/**
 * One app of the catalog: its container defaults and how the shared store is translated into
 * the layout the app expects. Implementations are pure: no client, no I/O.
 */
public interface AppProfile {

  AppDefaults defaults();

  /** Translates the offered categories into args, env, config files and extra mounts. */
  AppLayout translate(LayoutRequest request);
}
