package io.kvraft.linearizability;

import java.util.ArrayList;
import java.util.List;

/** Builds small histories with explicit call/return times, so a test reads like a timeline. */
final class HandWrittenHistory {
  private final List<Operation> ops = new ArrayList<>();

  HandWrittenHistory put(int client, String key, String value, long call, long ret) {
    return add(
        Operation.completed(ops.size(), client, KvOp.put(key, value), KvOutput.ack(), call, ret));
  }

  HandWrittenHistory append(int client, String key, String value, long call, long ret) {
    return add(
        Operation.completed(
            ops.size(), client, KvOp.append(key, value), KvOutput.ack(), call, ret));
  }

  HandWrittenHistory get(int client, String key, String read, long call, long ret) {
    return add(
        Operation.completed(ops.size(), client, KvOp.get(key), KvOutput.value(read), call, ret));
  }

  HandWrittenHistory putUnknown(int client, String key, String value, long call) {
    return add(Operation.outcomeUnknown(ops.size(), client, KvOp.put(key, value), call));
  }

  HandWrittenHistory appendUnknown(int client, String key, String value, long call) {
    return add(Operation.outcomeUnknown(ops.size(), client, KvOp.append(key, value), call));
  }

  List<Operation> ops() {
    return List.copyOf(ops);
  }

  private HandWrittenHistory add(Operation op) {
    ops.add(op);
    return this;
  }
}
