package de.dhoch3.aiservices.apps;

import de.dhoch3.aiservices.api.App;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The built-in apps. Adding an app: an {@link App} value, one {@link AppProfile} class, one line here. */
public final class Catalog {
  private static final Map<App, AppProfile> PROFILES = new EnumMap<>(App.class);

  static {
    for (AppProfile profile : List.of(
        new ComfyUiProfile(), new ForgeProfile(), new ForgeNeoProfile(), new FooocusProfile(),
        new InvokeAiProfile(), new FluxGymProfile(), new AiToolkitProfile(), new CustomProfile())) {
      PROFILES.put(profile.defaults().app(), profile);
    }
  }

  private Catalog() {}

  public static AppProfile profile(App app) {
    AppProfile profile = PROFILES.get(app);
    if (profile == null) {
      throw new IllegalArgumentException("no catalog entry for app " + app.value());
    }
    return profile;
  }

  public static boolean has(App app) {
    return PROFILES.containsKey(app);
  }

  public static Collection<AppProfile> all() {
    return Collections.unmodifiableCollection(PROFILES.values());
  }
}
