package io.kvraft.linearizability;

import java.util.List;

/**
 * Removes, from one key's history, writes with unknown outcome whose value no completed read
 * contains. This keeps the verdict exact while saving the search from carrying ops that stay
 * pending forever (each one doubles the configurations it can reach):
 *
 * <ul>
 *   <li>if the history without such a write is linearizable, so is the history with it: put the
 *       write last, which its open-ended interval allows and which changes no other op's output;
 *   <li>conversely, in any linearization the state after the write contains its value until the
 *       next put, so no read lies in that stretch, and removing the write changes no output.
 * </ul>
 */
final class UnobservedWrites {
  private UnobservedWrites() {}

  static List<Operation> removeFrom(List<Operation> keyOps) {
    List<String> valuesRead =
        keyOps.stream()
            .filter(op -> op.output() instanceof KvOutput.Value)
            .map(op -> ((KvOutput.Value) op.output()).value())
            .toList();
    return keyOps.stream()
        .filter(
            op ->
                !op.isOutcomeUnknown()
                    || valuesRead.stream().anyMatch(read -> read.contains(writtenValue(op))))
        .toList();
  }

  private static String writtenValue(Operation write) {
    if (write.input() instanceof KvOp.Put put) {
      return put.value();
    }
    if (write.input() instanceof KvOp.Append append) {
      return append.value();
    }
    throw new IllegalArgumentException("not a write: " + write);
  }
}
