package io.kvraft.raft;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The core's view of the Raft log: the entries after the last snapshot, which of them are durable,
 * which are committed and which were handed out for applying.
 *
 * <p>Invariants: {@code snapshotIndex <= handedOutIndex <= committed}; {@code handedOutIndex <=
 * stableIndex}; {@code stableIndex < unstableFrom <= lastIndex + 1}; the entry at list position i
 * has index snapshotIndex+1+i.
 */
final class RaftLog {
  private long snapshotIndex;
  private long snapshotTerm;
  private final ArrayList<Entry> entries = new ArrayList<>();

  /** Every entry up to here is on disk (storage told us so through {@link #stableTo}). */
  private long stableIndex;

  /** The first entry not yet handed to storage; entries from here on must still be persisted. */
  private long unstableFrom;

  private long committed;

  /** Last index handed out to be applied to the state machine. */
  private long handedOutIndex;

  /** {@link Entry#sizeBytes} of every entry held here, which is what this log costs the heap. */
  private long bytes;

  RaftLog(long snapshotIndex, long snapshotTerm, List<Entry> restored) {
    this(snapshotIndex, snapshotTerm, restored, snapshotIndex);
  }

  /**
   * A restored log whose entries up to {@code appliedIndex} (at least {@code snapshotIndex}) are
   * already in the state machine: they came with a snapshot, so they are committed and never handed
   * out to be applied again.
   */
  RaftLog(long snapshotIndex, long snapshotTerm, List<Entry> restored, long appliedIndex) {
    this.snapshotIndex = snapshotIndex;
    this.snapshotTerm = snapshotTerm;
    long expected = snapshotIndex + 1;
    for (Entry e : restored) {
      if (e.index() != expected++) {
        throw new IllegalArgumentException("restored log is not contiguous at " + e);
      }
      entries.add(e);
      bytes += e.sizeBytes();
    }
    this.stableIndex = lastIndex();
    this.unstableFrom = lastIndex() + 1;
    if (appliedIndex < snapshotIndex || appliedIndex > lastIndex()) {
      throw new IllegalArgumentException(
          "applied index " + appliedIndex + " outside the restored log");
    }
    this.committed = appliedIndex;
    this.handedOutIndex = appliedIndex;
  }

  long firstIndex() {
    return snapshotIndex + 1;
  }

  long lastIndex() {
    return snapshotIndex + entries.size();
  }

  long lastTerm() {
    return term(lastIndex());
  }

  long committed() {
    return committed;
  }

  long stableIndex() {
    return stableIndex;
  }

  long handedOutIndex() {
    return handedOutIndex;
  }

  long snapshotIndex() {
    return snapshotIndex;
  }

  /** Bytes of the entries held in memory (applied ones kept until compaction included). */
  long bytes() {
    return bytes;
  }

  /**
   * Term of the entry at {@code index}: 0 for index 0 of a log never compacted, -1 when unknown
   * (compacted away, index 0 included, or beyond the end).
   */
  long term(long index) {
    if (index == snapshotIndex) {
      return snapshotTerm;
    }
    if (index < snapshotIndex || index > lastIndex()) {
      return -1;
    }
    return entries.get((int) (index - snapshotIndex - 1)).term();
  }

  Entry entry(long index) {
    return entries.get((int) (index - snapshotIndex - 1));
  }

  boolean matchTerm(long index, long term) {
    long t = term(index);
    return t >= 0 && t == term;
  }

  /** Raft §5.4.1: a candidate's log is at least as up-to-date as ours. */
  boolean isUpToDate(long lastIndex, long lastTerm) {
    return lastTerm > lastTerm() || (lastTerm == lastTerm() && lastIndex >= lastIndex());
  }

  void appendAsLeader(Entry e) {
    if (e.index() != lastIndex() + 1) {
      throw new IllegalStateException("leader append out of order: " + e + " after " + lastIndex());
    }
    entries.add(e);
    bytes += e.sizeBytes();
  }

  /**
   * Appends the leader's entries that follow {@code prevIndex} (which already matched), truncating
   * our log only at the first entry whose term differs (Raft §5.3, "if an existing entry
   * conflicts..."): entries that already match, and any we hold beyond the message, stay, since the
   * message may be a stale duplicate.
   */
  void appendFromLeader(List<Entry> incoming) {
    for (int i = 0; i < incoming.size(); i++) {
      Entry e = incoming.get(i);
      if (e.index() <= snapshotIndex) {
        continue;
      }
      if (e.index() <= lastIndex()) {
        if (term(e.index()) == e.term()) {
          continue;
        }
        truncateFrom(e.index());
      }
      for (int j = i; j < incoming.size(); j++) {
        entries.add(incoming.get(j));
        bytes += incoming.get(j).sizeBytes();
      }
      return;
    }
  }

  private void truncateFrom(long index) {
    if (index <= committed) {
      throw new IllegalStateException(
          "refusing to truncate committed entry " + index + " (commit=" + committed + ")");
    }
    int keep = (int) (index - snapshotIndex - 1);
    drop(entries.subList(keep, entries.size()));
    unstableFrom = Math.min(unstableFrom, index);
    stableIndex = Math.min(stableIndex, index - 1);
  }

  /**
   * First index of the run of entries with the same term as {@code index}, for the rejection hint.
   */
  long firstIndexOfTermAt(long index) {
    long t = term(index);
    long i = index;
    while (i - 1 > snapshotIndex && term(i - 1) == t) {
      i--;
    }
    return i;
  }

  /**
   * Last index at or below {@code from} whose term is {@code t}, or -1 when we have none of that
   * term there.
   */
  long lastIndexOfTerm(long t, long from) {
    for (long i = Math.min(from, lastIndex()); i > snapshotIndex; i--) {
      long ti = term(i);
      if (ti == t) {
        return i;
      }
      if (ti < t) {
        return -1;
      }
    }
    return -1;
  }

  /**
   * Entries from {@code from}, within both the count and byte limits but always at least one if any
   * exist.
   */
  List<Entry> slice(long from, int maxCount, long maxBytes) {
    if (from > lastIndex()) {
      return List.of();
    }
    int start = (int) (from - snapshotIndex - 1);
    int end = start;
    long bytes = 0;
    while (end < entries.size() && end - start < maxCount) {
      bytes += entries.get(end).sizeBytes();
      if (bytes > maxBytes && end > start) {
        break;
      }
      end++;
    }
    return List.copyOf(entries.subList(start, end));
  }

  void commitTo(long index) {
    if (index > committed) {
      if (index > lastIndex()) {
        throw new IllegalStateException("commit " + index + " beyond last index " + lastIndex());
      }
      committed = index;
    }
  }

  /** Hands out the entries not yet given to storage and marks them as given. */
  List<Entry> takeUnstable() {
    if (unstableFrom > lastIndex()) {
      return List.of();
    }
    List<Entry> out =
        List.copyOf(entries.subList((int) (unstableFrom - snapshotIndex - 1), entries.size()));
    unstableFrom = lastIndex() + 1;
    return out;
  }

  boolean hasUnstable() {
    return unstableFrom <= lastIndex();
  }

  /**
   * Storage reports that everything up to {@code index} is durable. Ignored when the entry there
   * has since been replaced by one of another term: that write persisted a log we have already
   * truncated.
   */
  void stableTo(long index, long term) {
    if (index > stableIndex && index < unstableFrom && matchTerm(index, term)) {
      stableIndex = index;
    }
  }

  /**
   * Committed entries that are also durable locally and have not been handed out for applying yet.
   */
  List<Entry> takeCommitted() {
    long upTo = Math.min(committed, stableIndex);
    if (upTo <= handedOutIndex) {
      return List.of();
    }
    List<Entry> out =
        List.copyOf(
            entries.subList((int) (handedOutIndex - snapshotIndex), (int) (upTo - snapshotIndex)));
    handedOutIndex = upTo;
    return out;
  }

  boolean hasCommittedToHandOut() {
    return Math.min(committed, stableIndex) > handedOutIndex;
  }

  /**
   * The index to compact to for a snapshot at {@code upTo} that keeps up to {@code maxEntries}
   * entries before it whose sizes add up to at most {@code maxBytes}; never below what is already
   * compacted.
   */
  long compactionPoint(long upTo, int maxEntries, long maxBytes) {
    long at = Math.min(upTo, lastIndex());
    long bytes = 0;
    for (int kept = 0; kept < maxEntries && at > snapshotIndex; kept++) {
      bytes += entry(at).sizeBytes();
      if (bytes > maxBytes) {
        break;
      }
      at--;
    }
    return at;
  }

  /** Drops entries up to {@code index}, which the state machine has captured in a snapshot. */
  void compact(long index) {
    if (index <= snapshotIndex) {
      return;
    }
    if (index > handedOutIndex) {
      throw new IllegalArgumentException(
          "cannot compact " + index + " beyond applied " + handedOutIndex);
    }
    long t = term(index);
    drop(entries.subList(0, (int) (index - snapshotIndex)));
    snapshotTerm = t;
    snapshotIndex = index;
  }

  /**
   * Replaces everything up to {@code index} with a snapshot received from the leader (Raft §7): if
   * we hold the entry at {@code index} with the snapshot's term, the entries after it are the
   * leader's too and stay; otherwise the whole log is discarded. The snapshot counts as committed,
   * applied and durable: the node loads and persists it before anything that depends on it is
   * applied or acknowledged.
   */
  void restoreSnapshot(long index, long term) {
    if (index <= committed) {
      throw new IllegalArgumentException(
          "snapshot " + index + " is not beyond commit " + committed);
    }
    if (matchTerm(index, term)) {
      drop(entries.subList(0, (int) (index - snapshotIndex)));
      stableIndex = Math.max(stableIndex, index);
      unstableFrom = Math.max(unstableFrom, index + 1);
    } else {
      drop(entries);
      stableIndex = index;
      unstableFrom = index + 1;
    }
    snapshotIndex = index;
    snapshotTerm = term;
    committed = index;
    handedOutIndex = index;
  }

  private void drop(List<Entry> range) {
    for (Entry e : range) {
      bytes -= e.sizeBytes();
    }
    range.clear();
  }

  long snapshotTerm() {
    return snapshotTerm;
  }

  List<Entry> entriesView() {
    return Collections.unmodifiableList(entries);
  }
}
