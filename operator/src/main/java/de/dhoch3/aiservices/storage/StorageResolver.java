package de.dhoch3.aiservices.storage;

import de.dhoch3.aiservices.api.StorageSpec;
import de.dhoch3.aiservices.api.VolumeRef;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.config.RootRules;
import de.dhoch3.aiservices.validation.InvalidSpecException;
import de.dhoch3.aiservices.validation.SpecProblem;
import java.util.ArrayList;
import java.util.List;

/** Resolves the three storage roots from the spec and the operator's defaults, enforcing the hostPath allow-list. Pure. */
public final class StorageResolver {
  public static final String MODELS_VOLUME = "models";
  public static final String DATA_VOLUME = "data";
  public static final String USER_VOLUME = "user";

  private StorageResolver() {}

  public record Roots(StorageRoot models, StorageRoot data, StorageRoot user) {}

  public static Roots resolve(StorageSpec spec, OperatorConfig config) {
    List<SpecProblem> problems = new ArrayList<>();
    StorageRoot models = root(problems, "models", MODELS_VOLUME, spec == null ? null : spec.models, config.storage.models, config, true);
    StorageRoot data = root(problems, "data", DATA_VOLUME, spec == null ? null : spec.data, config.storage.data, config, false);
    StorageRoot user = root(problems, "user", USER_VOLUME, spec == null ? null : spec.user, config.storage.user, config, false);
    if (spec != null && !config.policy.allowStorageOverrides) {
      for (String role : StorageRoles.ROLES) {
        VolumeRef given = role.equals("models") ? spec.models : role.equals("data") ? spec.data : spec.user;
        if (given != null) {
          problems.add(new SpecProblem("spec.storage." + role, "the admin allows no storage overrides (policy.allowStorageOverrides: false);"
              + " remove it to use the configured storage"));
        }
      }
    }
    if (problems.isEmpty()) {
      Roots roots = new Roots(models, data, user);
      List<String> overlaps = new ArrayList<>(StorageRoles.claimOverlaps(roots, field(spec, "models"), field(spec, "data"), field(spec, "user")));
      List<String> uses = new ArrayList<>(StorageRoles.storeClaimUse(roots, field(spec, "data"), field(spec, "user"), config));
      uses.addAll(StorageRoles.adminClaimUse(roots, new String[] {field(spec, "models"), field(spec, "data"), field(spec, "user")}, config));
      for (String use : uses) {
        String useField = use.substring(0, use.indexOf(':'));
        if (overlaps.stream().noneMatch(p -> p.startsWith(useField + ":"))) {
          overlaps.add(use);
        }
      }
      overlaps.stream().distinct().forEach(p -> problems.add(new SpecProblem(p.substring(0, p.indexOf(':')), p.substring(p.indexOf(':') + 2))));
    }
    if (!problems.isEmpty()) {
      throw new InvalidSpecException(problems);
    }
    return new Roots(models, data, user);
  }

  private static String field(StorageSpec spec, String role) {
    VolumeRef given = spec == null ? null : role.equals("models") ? spec.models : role.equals("data") ? spec.data : spec.user;
    return given != null ? "spec.storage." + role : "operator configuration storage." + role;
  }

  private static StorageRoot root(
      List<SpecProblem> problems, String key, String volumeName, VolumeRef fromSpec, VolumeRef fromConfig,
      OperatorConfig config, boolean readOnly) {
    VolumeRef ref = fromSpec != null ? fromSpec : fromConfig;
    String field = fromSpec != null ? "spec.storage." + key : "operator configuration storage." + key;
    if (ref == null) {
      problems.add(new SpecProblem("spec.storage." + key,
          "no " + key + " storage given and the operator configuration has no default; set spec.storage." + key + ".hostPath or .claimName"));
      return null;
    }
    boolean hasHost = ref.hostPath != null && !ref.hostPath.isBlank();
    boolean hasClaim = ref.claimName != null && !ref.claimName.isBlank();
    if (hasHost == hasClaim) {
      problems.add(new SpecProblem(field, "set exactly one of hostPath (a folder on the node) or claimName (an existing PersistentVolumeClaim)"));
      return null;
    }
    try {
      String subPath = ref.subPath == null || ref.subPath.isBlank() ? "" : SafePaths.relative(field + ".subPath", ref.subPath);
      if (hasClaim) {
        return new StorageRoot(volumeName, null, ref.claimName, subPath, readOnly);
      }
      String hostPath = SafePaths.absolute(field + ".hostPath", ref.hostPath);
      if (!subPath.isEmpty()) {
        hostPath = hostPath.equals("/") ? "/" + subPath : hostPath + "/" + subPath;
      }
      String refused = RootRules.hostPathProblem(key, hostPath, config);
      if (refused != null) {
        problems.add(new SpecProblem(field + ".hostPath", refused));
        return null;
      }
      return new StorageRoot(volumeName, hostPath, null, "", readOnly);
    } catch (InvalidSpecException e) {
      problems.addAll(e.problems());
      return null;
    }
  }
}
