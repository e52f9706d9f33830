package de.dhoch3.aiservices.reconcile;

import de.dhoch3.aiservices.config.OperatorConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Base of the scenario tests: one real operator on a fresh in-process API server per test class. */
abstract class OperatorScenario {
  static OperatorHarness harness;

  @BeforeAll
  static void startOperator() {
    harness = new OperatorHarness(OperatorConfig.defaults());
  }

  @AfterAll
  static void stopOperator() {
    harness.close();
  }
}
