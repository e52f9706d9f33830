package de.dhoch3.aiservices.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The statuses are woken only when the figures change, and a failing listener (a stopped operator) stops no one else. */
class StorageBoardTest {
  @Test
  void listenersRunOnlyOnAChange() {
    StorageBoard board = new StorageBoard();
    AtomicInteger woken = new AtomicInteger();
    board.onChange(() -> {
      throw new IllegalStateException("a stopped operator");
    });
    board.onChange(woken::incrementAndGet);
    assertThat(board.figures()).isEmpty();
    board.publish(Map.of("output/comfyui", 4096L));
    assertThat(woken).hasValue(1);
    assertThat(board.figures()).containsExactly(Map.entry("output/comfyui", 4096L));
    board.publish(Map.of("output/comfyui", 4096L));
    assertThat(woken).as("the same figures again").hasValue(1);
    board.publish(Map.of("output/comfyui", 8192L));
    assertThat(woken).hasValue(2);
    board.reset();
    assertThat(board.figures()).isEmpty();
    board.publish(Map.of("output/comfyui", 1L));
    assertThat(woken).as("no listener after a reset").hasValue(2);
  }

  @Test
  void aListenerThatStoppedIsNoLongerTold() {
    StorageBoard board = new StorageBoard();
    AtomicInteger stopped = new AtomicInteger();
    AtomicInteger running = new AtomicInteger();
    Runnable stoppedOne = stopped::incrementAndGet;
    board.onChange(stoppedOne);
    board.onChange(running::incrementAndGet);
    assertThat(board.listenerCount()).isEqualTo(2);
    board.stopTelling(stoppedOne);
    assertThat(board.listenerCount()).isEqualTo(1);
    board.publish(Map.of("output/comfyui", 1L));
    assertThat(stopped).hasValue(0);
    assertThat(running).hasValue(1);
  }

  @Test
  void theFiguresSayWhichNamespaceTheyAreOf() {
    StorageBoard board = new StorageBoard();
    board.publish(java.util.Map.of("data/ComfyUI", 1L));
    org.assertj.core.api.Assertions.assertThat(board.namespace()).isNull();
    board.publish(java.util.Map.of("data/ComfyUI", 1L), "studio");
    org.assertj.core.api.Assertions.assertThat(board.namespace()).isEqualTo("studio");
  }
}
