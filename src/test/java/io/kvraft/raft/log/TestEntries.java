package io.kvraft.raft.log;

import io.kvraft.raft.Entry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

final class TestEntries {
  private TestEntries() {}

  /** Commands {@code from..to} inclusive, each carrying a payload that names its index and term. */
  static List<Entry> range(long from, long to, long term) {
    List<Entry> entries = new ArrayList<>();
    for (long i = from; i <= to; i++) {
      entries.add(
          Entry.command(term, i, ("value-" + i + "@" + term).getBytes(StandardCharsets.UTF_8)));
    }
    return entries;
  }

  static List<Entry> concat(List<Entry> a, List<Entry> b) {
    List<Entry> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
