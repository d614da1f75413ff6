package io.kvraft.linearizability;

import java.util.ArrayList;
import java.util.List;

/** Builds small histories with explicit call/return times, so a test reads like a timeline. */
final class HandWrittenHistory {
  private final List<Operation> ops = new ArrayList<>();

  HandWrittenHistory put(int client, String key, String value, long call, long ret) {
    return done(client, KvOp.put(key, value), KvOutput.ack(), call, ret);
  }

  HandWrittenHistory append(int client, String key, String value, long call, long ret) {
    return done(client, KvOp.append(key, value), KvOutput.ack(), call, ret);
  }

  /** A read recorded without its revision, "" for an absent key. */
  HandWrittenHistory get(int client, String key, String read, long call, long ret) {
    return done(client, KvOp.get(key), KvOutput.value(read), call, ret);
  }

  HandWrittenHistory putUnknown(int client, String key, String value, long call) {
    return unknown(client, KvOp.put(key, value), call);
  }

  HandWrittenHistory appendUnknown(int client, String key, String value, long call) {
    return unknown(client, KvOp.append(key, value), call);
  }

  // Ops with revisions, as the full contract answers them.

  HandWrittenHistory put(int client, String key, String value, long rev, long call, long ret) {
    return done(client, KvOp.put(key, value), KvOutput.ok(rev), call, ret);
  }

  HandWrittenHistory append(int client, String key, String value, long rev, long call, long ret) {
    return done(client, KvOp.append(key, value), KvOutput.ok(rev), call, ret);
  }

  HandWrittenHistory read(int client, String key, String value, long rev, long call, long ret) {
    return done(client, KvOp.get(key), KvOutput.value(value, rev), call, ret);
  }

  HandWrittenHistory readAbsent(int client, String key, long call, long ret) {
    return done(client, KvOp.get(key), KvOutput.absent(), call, ret);
  }

  /** {@code If-Match: expected} that succeeded at {@code rev}. */
  HandWrittenHistory cas(
      int client, String key, String value, long expected, long rev, long call, long ret) {
    return done(client, KvOp.putIfMatch(key, value, expected), KvOutput.ok(rev), call, ret);
  }

  /** {@code If-Match: expected} answered 412 with the key's revision {@code current}. */
  HandWrittenHistory casFailed(
      int client, String key, String value, long expected, long current, long call, long ret) {
    return done(
        client,
        KvOp.putIfMatch(key, value, expected),
        KvOutput.preconditionFailed(current),
        call,
        ret);
  }

  HandWrittenHistory create(int client, String key, String value, long rev, long call, long ret) {
    return done(client, KvOp.putIfAbsent(key, value), KvOutput.ok(rev), call, ret);
  }

  HandWrittenHistory createFailed(
      int client, String key, String value, long current, long call, long ret) {
    return done(
        client, KvOp.putIfAbsent(key, value), KvOutput.preconditionFailed(current), call, ret);
  }

  HandWrittenHistory delete(int client, String key, long rev, long call, long ret) {
    return done(client, KvOp.delete(key), KvOutput.ok(rev), call, ret);
  }

  HandWrittenHistory deleteNothing(int client, String key, long call, long ret) {
    return done(client, KvOp.delete(key), KvOutput.nothingToDelete(), call, ret);
  }

  HandWrittenHistory deleteUnknown(int client, String key, long call) {
    return unknown(client, KvOp.delete(key), call);
  }

  HandWrittenHistory casUnknown(int client, String key, String value, long expected, long call) {
    return unknown(client, KvOp.putIfMatch(key, value, expected), call);
  }

  HandWrittenHistory createUnknown(int client, String key, String value, long call) {
    return unknown(client, KvOp.putIfAbsent(key, value), call);
  }

  HandWrittenHistory list(
      int client,
      String prefix,
      String startAfter,
      int limit,
      List<String> shown,
      long call,
      long ret) {
    return done(client, KvOp.list(prefix, startAfter, limit), KvOutput.keys(shown), call, ret);
  }

  List<Operation> ops() {
    return List.copyOf(ops);
  }

  private HandWrittenHistory done(int client, KvOp op, KvOutput out, long call, long ret) {
    ops.add(Operation.completed(ops.size(), client, op, out, call, ret));
    return this;
  }

  private HandWrittenHistory unknown(int client, KvOp op, long call) {
    ops.add(Operation.outcomeUnknown(ops.size(), client, op, call));
    return this;
  }
}
