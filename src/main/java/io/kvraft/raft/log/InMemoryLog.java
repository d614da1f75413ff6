package io.kvraft.raft.log;

import io.kvraft.raft.Entry;
import java.util.ArrayList;
import java.util.List;

/** A Raft log held in a list, with the same truncation and compaction rules as the file log. */
final class InMemoryLog {
  private final ArrayList<Entry> entries = new ArrayList<>();
  private long snapshotIndex;
  private long sizeBytes;

  InMemoryLog copy() {
    InMemoryLog copy = new InMemoryLog();
    copy.entries.addAll(entries);
    copy.snapshotIndex = snapshotIndex;
    copy.sizeBytes = sizeBytes;
    return copy;
  }

  long lastIndex() {
    return entries.isEmpty() ? snapshotIndex : entries.get(entries.size() - 1).index();
  }

  List<Entry> entries() {
    return List.copyOf(entries);
  }

  long sizeBytes() {
    return sizeBytes;
  }

  /**
   * Truncates from the batch's first index and appends it; the caller has checked it against {@link
   * AppendRules}.
   */
  void append(List<Entry> batch) {
    long first = batch.get(0).index();
    removeRange((int) (first - snapshotIndex - 1), entries.size());
    for (Entry entry : batch) {
      entries.add(entry);
      sizeBytes += RecordCodec.frameSize(entry);
    }
  }

  void compact(long upToIndex, long termAtIndex) {
    if (upToIndex <= snapshotIndex) {
      return;
    }
    boolean dropWholeLog =
        lastIndex() <= upToIndex
            || entries.get((int) (upToIndex - snapshotIndex - 1)).term() != termAtIndex;
    removeRange(0, dropWholeLog ? entries.size() : (int) (upToIndex - snapshotIndex));
    snapshotIndex = upToIndex;
  }

  private void removeRange(int from, int to) {
    List<Entry> removed = entries.subList(from, to);
    for (Entry entry : removed) {
      sizeBytes -= RecordCodec.frameSize(entry);
    }
    removed.clear();
  }
}
