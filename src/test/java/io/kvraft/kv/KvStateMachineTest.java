package io.kvraft.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class KvStateMachineTest {
  private final KvStateMachine sm = new KvStateMachine();
  private long index;

  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private KvResult apply(KvCommand cmd) {
    return sm.apply(++index, cmd);
  }

  private static KvCommand put(String key, String value) {
    return new KvCommand.Put(null, 0, 0, key, b(value), Precondition.none());
  }

  private static KvCommand put(String key, String value, Precondition pre) {
    return new KvCommand.Put(null, 0, 0, key, b(value), pre);
  }

  private static KvCommand append(String key, String value) {
    return new KvCommand.Append(null, 0, 0, key, b(value));
  }

  private static KvCommand delete(String key, Precondition pre) {
    return new KvCommand.Delete(null, 0, 0, key, pre);
  }

  private String value(String key) {
    return new String(sm.get(key).orElseThrow().value(), StandardCharsets.UTF_8);
  }

  private long revision(String key) {
    return sm.get(key).orElseThrow().revision();
  }

  @Test
  void putGetOverwriteAndRevisionIsTheLogIndex() {
    assertEquals(KvResult.ok(1), apply(put("a", "1")));
    assertEquals("1", value("a"));
    assertEquals(1, revision("a"));
    assertEquals(KvResult.ok(2), apply(put("a", "2")));
    assertEquals("2", value("a"));
    assertEquals(2, revision("a"));
    assertEquals(1, sm.size());
    assertEquals(2, sm.lastAppliedIndex());
    assertTrue(sm.get("missing").isEmpty());
  }

  @Test
  void revisionFollowsRaftIndexEvenWithGapsFromNoops() {
    sm.apply(5, put("a", "x"));
    sm.applyNoop(6);
    sm.apply(9, put("b", "y"));
    assertEquals(5, revision("a"));
    assertEquals(9, revision("b"));
    assertEquals(9, sm.lastAppliedIndex());
  }

  @Test
  void applyingAnOldIndexAgainIsRefused() {
    sm.apply(3, put("a", "x"));
    assertThrows(IllegalStateException.class, () -> sm.apply(3, put("a", "y")));
    assertThrows(IllegalStateException.class, () -> sm.applyNoop(2));
    assertEquals("x", value("a"));
  }

  @Test
  void appendToAbsentKeyIsTheValueThenConcatenates() {
    assertEquals(KvResult.ok(1), apply(append("log", "ab")));
    assertEquals("ab", value("log"));
    assertEquals(KvResult.ok(2), apply(append("log", "cd")));
    assertEquals("abcd", value("log"));
    assertEquals(2, revision("log"));
  }

  @Test
  void appendDoesNotMutateAValueAReaderAlreadyHolds() {
    apply(put("k", "ab"));
    byte[] held = sm.get("k").orElseThrow().value();
    apply(append("k", "cd"));
    assertArrayEquals(b("ab"), held);
  }

  @Test
  void deleteRemovesAndDeleteOfAbsentIsNotFoundWithNoChange() {
    apply(put("a", "1"));
    assertEquals(KvResult.ok(2), apply(delete("a", Precondition.none())));
    assertTrue(sm.get("a").isEmpty());
    assertEquals(0, sm.size());
    assertEquals(KvResult.NOT_FOUND, apply(delete("a", Precondition.none())));
    assertEquals(0, sm.size());
  }

  @Test
  void ifMatchSucceedsOnCurrentRevision() {
    apply(put("a", "1"));
    assertEquals(KvResult.ok(2), apply(put("a", "2", Precondition.ifMatch(1))));
    assertEquals("2", value("a"));
    assertEquals(KvResult.ok(3), apply(delete("a", Precondition.ifMatch(2))));
    assertTrue(sm.get("a").isEmpty());
  }

  @Test
  void ifMatchMismatchChangesNothingAndReportsCurrentRevision() {
    apply(put("a", "1"));
    assertEquals(KvResult.preconditionFailed(1), apply(put("a", "2", Precondition.ifMatch(7))));
    assertEquals(KvResult.preconditionFailed(1), apply(delete("a", Precondition.ifMatch(7))));
    assertEquals("1", value("a"));
    assertEquals(1, revision("a"));
    // If-Match on an absent key never matches.
    assertEquals(KvResult.preconditionFailed(0), apply(put("b", "x", Precondition.ifMatch(0))));
    assertTrue(sm.get("b").isEmpty());
    assertEquals(1, sm.size());
  }

  @Test
  void ifNoneMatchCreatesOnlyWhenAbsent() {
    assertEquals(KvResult.ok(1), apply(put("a", "first", Precondition.ifNoneMatch())));
    assertEquals(
        KvResult.preconditionFailed(1), apply(put("a", "second", Precondition.ifNoneMatch())));
    assertEquals("first", value("a"));
    assertEquals(1, revision("a"));
    assertEquals(KvResult.preconditionFailed(1), apply(delete("a", Precondition.ifNoneMatch())));
    assertEquals("first", value("a"));
  }

  @Test
  void keysListsByPrefixInOrderAndPages() {
    for (String k : List.of("user/3", "user/1", "users", "user/2", "admin/1", "user/10", "v")) {
      apply(put(k, "x"));
    }
    assertEquals(List.of("user/1", "user/10", "user/2", "user/3"), sm.keys("user/", null, 100));
    assertEquals(List.of("user/1", "user/10"), sm.keys("user/", null, 2));
    assertEquals(List.of("user/2", "user/3"), sm.keys("user/", "user/10", 2));
    assertEquals(List.of(), sm.keys("user/", "user/3", 2));
    // startAfter before the prefix range starts at the prefix; after it, ends empty.
    assertEquals(List.of("user/1"), sm.keys("user/", "a", 1));
    assertEquals(List.of(), sm.keys("user/", "zzz", 10));
    assertEquals(List.of("admin/1", "user/1", "user/10"), sm.keys("", null, 3));
    assertEquals(List.of("v"), sm.keys(null, "users", 10));
    assertEquals(List.of(), sm.keys("nope", null, 10));
    assertThrows(IllegalArgumentException.class, () -> sm.keys("", null, 0));
  }

  @Test
  void pagingVisitsEveryKeyExactlyOnce() {
    for (int i = 0; i < 250; i++) {
      apply(put(String.format("p/%04d", i), "x"));
    }
    apply(put("q", "x"));
    int seen = 0;
    String after = null;
    while (true) {
      List<String> page = sm.keys("p/", after, 17);
      if (page.isEmpty()) {
        break;
      }
      for (String k : page) {
        assertEquals(String.format("p/%04d", seen++), k);
      }
      after = page.get(page.size() - 1);
    }
    assertEquals(250, seen);
    assertFalse(sm.keys("p/", null, 1000).contains("q"));
  }
}
