package de.dhoch3.aiservices.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.storage.StorageBoard;
import org.junit.jupiter.api.Test;

/** The process' storage figures tell running operators only: a stopped one is let go, with its cache of AIServices. */
class StorageFiguresEventSourceTest {
  @Test
  void aStoppedOrRestartedOperatorIsNoLongerTold() {
    int before = StorageBoard.INSTANCE.listenerCount();
    try (OperatorHarness harness = new OperatorHarness(OperatorConfig.defaults())) {
      assertThat(StorageBoard.INSTANCE.listenerCount()).isEqualTo(before + 1);
      // a new operator in the same process (a test's restart; the benchmark starts dozens)
      harness.restartOperator();
      harness.restartOperator();
      assertThat(StorageBoard.INSTANCE.listenerCount()).isEqualTo(before + 1);
    }
    assertThat(StorageBoard.INSTANCE.listenerCount()).isEqualTo(before);
  }
}
