package de.dhoch3.aiservices.reconcile;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.storage.StorageBoard;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.util.Objects;

/**
 * Wakes the AIServices whose own storage figures changed (the model inbox's runs publish them on
 * the process' {@link StorageBoard}): a run that moved one folder's size wakes one app, not ten
 * thousand. Told only while it runs: JOSDK stops it with its operator, and a stopped operator's
 * listener would otherwise keep that operator's whole cache of AIServices alive for the process.
 */
final class StorageFiguresEventSource extends SimpleInboundEventSource<AIService> {
  static final String NAME = "storage-figures";
  private final IndexerResourceCache<AIService> primaries;
  private final Runnable listener = this::figuresChanged;

  StorageFiguresEventSource(IndexerResourceCache<AIService> primaries) {
    super(NAME);
    this.primaries = primaries;
  }

  @Override
  public void start() {
    super.start();
    StorageBoard.INSTANCE.onChange(listener);
  }

  @Override
  public void stop() {
    StorageBoard.INSTANCE.stopTelling(listener);
    super.stop();
  }

  private void figuresChanged() {
    var board = StorageBoard.INSTANCE;
    primaries.list().filter(ai -> ai.getSpec() != null && !Objects.equals(
            StatusCalculator.storage(ai, board.figures(), board.namespace()), ai.getStatus() == null ? null : ai.getStatus().storage))
        .forEach(ai -> propagateEvent(ResourceID.fromResource(ai)));
  }
}
