package de.dhoch3.aiservices.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import de.dhoch3.aiservices.api.StorageSpec;
import de.dhoch3.aiservices.api.VolumeRef;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.validation.InvalidSpecException;
import de.dhoch3.aiservices.validation.SpecProblem;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The storage an AIService gets, resolved against the admin's configuration: what is refused, with
 * the field and the exact words a user reads (written down here, not built with the code's helpers).
 */
class StorageResolverTest {
  /** One claim holding the store, the data and the user share side by side (a NAS export with three folders). */
  private static final OperatorConfig ONE_SHARE = config("""
      storage:
        models: {claimName: share, subPath: models}
        data: {claimName: share, subPath: data}
        user: {claimName: share, subPath: user}
      """);

  private static OperatorConfig config(String yaml) {
    return OperatorConfig.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "config.yaml").checked();
  }

  private static VolumeRef claim(String name, String subPath) {
    VolumeRef ref = VolumeRef.claim(name);
    ref.subPath = subPath;
    return ref;
  }

  private static List<SpecProblem> problems(StorageSpec spec, OperatorConfig config) {
    try {
      StorageResolver.resolve(spec, config);
      return List.of();
    } catch (InvalidSpecException e) {
      return e.problems();
    }
  }

  @Test
  void theAdminsOwnLayoutOnOneClaimResolves() {
    StorageResolver.Roots roots = StorageResolver.resolve(null, ONE_SHARE);
    assertThat(roots.models().claimName()).isEqualTo("share");
    assertThat(roots.models().basePath()).isEqualTo("models");
    assertThat(roots.data().basePath()).isEqualTo("data");
    assertThat(roots.user().basePath()).isEqualTo("user");
  }

  /** The user share pointed at the data folder: one problem, the overlap, not four (the claim-use rules say the same field again). */
  @Test
  void aRoleOnAnotherRolesFolderIsOneProblemNamingTheOverlap() {
    StorageSpec spec = new StorageSpec();
    spec.user = claim("share", "data");
    assertThat(problems(spec, ONE_SHARE)).containsExactly(new SpecProblem("spec.storage.user",
        "claim 'share' at 'data' overlaps the data storage on the same claim at 'data'; use another claim, or subPaths beside each other"));
  }

  @Test
  void aWritableRoleOverTheStoreSaysTheStoreIsNeverWritable() {
    StorageSpec spec = new StorageSpec();
    spec.data = claim("share", "models/loras");
    assertThat(problems(spec, ONE_SHARE)).containsExactly(new SpecProblem("spec.storage.data",
        "claim 'share' at 'models/loras' overlaps the models storage on the same claim at 'models'; the model store must never be writable:"
            + " use another claim, or subPaths beside each other"));
  }

  /** An overlap on one field hides the claim-use problems of that field only, not another field's. */
  @Test
  void eachFieldGetsItsOwnProblem() {
    StorageSpec spec = new StorageSpec();
    spec.user = claim("share", "models/x");
    spec.data = claim("share", "other");
    assertThat(problems(spec, ONE_SHARE)).containsExactly(
        new SpecProblem("spec.storage.user", "claim 'share' at 'models/x' overlaps the models storage on the same claim at 'models';"
            + " the model store must never be writable: use another claim, or subPaths beside each other"),
        // one problem per field, naming the first of the admin's roles on that claim (the store)
        new SpecProblem("spec.storage.data", "claim 'share' is the admin's models storage (storage.models: subPath 'models'); as data storage"
            + " at 'other' it would reach folders that are not this app's: leave spec.storage.data out, or use a claim of your own"));
  }

  /** Only claims an AIService names itself are checked against the admin's: the admin's own layout is not this rule's business. */
  @Test
  void anAdminsClaimIsUsableOnlyAsConfigured() {
    OperatorConfig apart = config("""
        storage:
          data: {claimName: team-data}
          user: {claimName: team-user}
        """);
    assertThat(problems(null, apart)).isEmpty();
    StorageSpec spec = new StorageSpec();
    spec.user = claim("team-user", "other-team");
    assertThat(problems(spec, apart)).containsExactly(new SpecProblem("spec.storage.user",
        "claim 'team-user' is the admin's user storage (storage.user: subPath '/'); as user storage at 'other-team' it would reach folders"
            + " that are not this app's: leave spec.storage.user out, or use a claim of your own"));
    StorageSpec same = new StorageSpec();
    same.user = VolumeRef.claim("team-user");
    assertThat(problems(same, apart)).as("the admin's claim as configured").isEmpty();
  }

  /** storage.storeClaims "claim/folder": a writable role in that folder is refused, beside it is fine. */
  @Test
  void aStoreClaimsFolderIsNeverWritableAFolderBesideItIs() {
    OperatorConfig store = config("""
        storage:
          storeClaims: [nas/models]
        """);
    StorageSpec inside = new StorageSpec();
    inside.data = claim("nas", "models/x");
    assertThat(problems(inside, store)).containsExactly(new SpecProblem("spec.storage.data",
        "claim 'nas' at 'models/x' holds the model store ('nas/models' in storage.storeClaims or storage.models), which is never writable;"
            + " use the claim the admin gives this role"));
    StorageSpec beside = new StorageSpec();
    beside.data = claim("nas", "apps");
    assertThat(problems(beside, store)).isEmpty();
  }

  @Test
  void withoutStorageOverridesEveryRoleTheSpecNamesIsRefused() {
    OperatorConfig strict = config("""
        policy: {allowStorageOverrides: false}
        """);
    assertThat(problems(null, strict)).isEmpty();
    assertThat(problems(new StorageSpec(), strict)).as("an empty storage section names nothing").isEmpty();
    StorageSpec spec = new StorageSpec();
    spec.user = VolumeRef.hostPath("/vol/service/cw/storage-user");
    assertThat(problems(spec, strict)).containsExactly(new SpecProblem("spec.storage.user",
        "the admin allows no storage overrides (policy.allowStorageOverrides: false); remove it to use the configured storage"));
  }

  @Test
  void aSubPathOnAHostPathIsAppendedAndThenCheckedAgainstTheRoots() {
    StorageSpec spec = new StorageSpec();
    spec.models = VolumeRef.hostPath("/vol/service/cw/storage-models");
    spec.models.subPath = "models/sdxl";
    assertThat(StorageResolver.resolve(spec, OperatorConfig.defaults()).models().hostPath()).isEqualTo("/vol/service/cw/storage-models/models/sdxl");
    StorageSpec both = new StorageSpec();
    both.data = VolumeRef.hostPath("/vol/service/cw/storage");
    both.data.claimName = "team-data";
    assertThatThrownBy(() -> StorageResolver.resolve(both, OperatorConfig.defaults())).isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("spec.storage.data: set exactly one of hostPath (a folder on the node) or claimName (an existing PersistentVolumeClaim)");
  }
}
