package io.kvraft.linearizability;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Wing-Gong-Lowe search for one key: depth-first, always trying to linearize next an op whose call
 * comes before every pending return (the only ops that may go next), backtracking when a return
 * event is reached with its op still unlinearized. The cache of (set of linearized ops, key state)
 * pairs prunes re-exploring a configuration that was already reached through another order; it is
 * what makes thousands of ops per key tractable. An op may lead to several states (a write whose
 * revision was not recorded, see {@link RevisionChoices}); each is a choice to backtrack over.
 *
 * <p>One addition to plain WGL: enabled ops that leave the state unchanged (reads, 412s, deletes
 * that found nothing) and match the current state are linearized at once, as forced moves. That is
 * complete (see {@link #linearizeMatchingObservers}) and avoids the blow-up where the search
 * linearizes a concurrent write too early and only notices when the read's return event comes up,
 * after trying every ordering of the ops called in between.
 */
final class KeySearch {
  /**
   * One linearized op, as its {@code choice}-th possible next state; {@code forced} ones have no
   * alternatives worth trying when backtracking.
   */
  private record Frame(
      EventList.Event call, Operation op, KeyState stateBefore, int choice, boolean forced) {}

  private record Configuration(BitSet linearized, KeyState state) {}

  /** How often to look at the clock; nanoTime is cheap but not free. */
  private static final int STEPS_BETWEEN_DEADLINE_CHECKS = 1024;

  private final String key;
  private final List<Operation> ops;
  private final RevisionChoices choices;
  private final long deadlineNanos;
  private final long originNanos;

  private final EventList events;
  private final Deque<Frame> stack = new ArrayDeque<>();
  private final BitSet linearized;
  private final Set<Configuration> explored = new HashSet<>();
  private KeyState state = KeyState.INITIAL;

  private List<Operation> longestPrefix = List.of();
  private KeyState stateAfterLongestPrefix = KeyState.INITIAL;

  KeySearch(
      String key,
      List<Operation> ops,
      RevisionChoices choices,
      long deadlineNanos,
      long originNanos) {
    this.key = key;
    this.ops = ops;
    this.choices = choices;
    this.deadlineNanos = deadlineNanos;
    this.originNanos = originNanos;
    this.events = new EventList(ops);
    this.linearized = new BitSet(ops.size());
  }

  Result run() {
    EventList.Event event = null; // null: a new configuration was just reached
    int firstChoice = 0; // at a call event: the first of its op's next states still to try
    long steps = 0;
    while (true) {
      if (steps++ % STEPS_BETWEEN_DEADLINE_CHECKS == 0 && System.nanoTime() - deadlineNanos >= 0) {
        return Result.unknown(
            "key '"
                + key
                + "': timed out after linearizing at most "
                + longestPrefix.size()
                + " of "
                + ops.size()
                + " ops");
      }
      if (event == null) {
        if (!linearizeMatchingObservers()) {
          Frame undone = backtrack();
          if (undone == null) {
            return illegal();
          }
          event = undone.call();
          firstChoice = undone.choice() + 1;
          continue;
        }
        if (events.isEmpty()) {
          return Result.ok();
        }
        event = events.head.next;
        firstChoice = 0;
      }
      if (event.isCall) {
        Operation op = ops.get(event.opIndex);
        List<KeyState> next = KeyModel.step(state, op.input(), op.output(), choices::after);
        boolean moved = false;
        for (int choice = firstChoice; choice < next.size() && !moved; choice++) {
          moved = tryLinearize(event, op, next.get(choice), choice, false);
        }
        event = moved ? null : event.next;
        firstChoice = 0;
      } else {
        // A return event with its op still pending: nothing later can go first, so undo the latest
        // choice.
        Frame undone = backtrack();
        if (undone == null) {
          return illegal();
        }
        event = undone.call();
        firstChoice = undone.choice() + 1;
      }
    }
  }

  /**
   * Linearizes every enabled op (call before the first pending return) that leaves the state
   * unchanged and matches it. Complete: if any valid continuation exists, moving such an op to its
   * front is also valid, because it leaves the state unchanged and, being enabled, follows every op
   * that returned before its call.
   *
   * @return false if the current configuration is dead: it leads into an already explored (hence
   *     failed) configuration, or an enabled op can no longer get its answer
   */
  private boolean linearizeMatchingObservers() {
    EventList.Event e = events.head.next;
    while (e != null && e.isCall) {
      Operation op = ops.get(e.opIndex);
      if (!KeyModel.preservesState(op.input(), op.output())) {
        e = e.next;
      } else if (!KeyModel.step(state, op.input(), op.output(), choices::after).isEmpty()) {
        if (!tryLinearize(e, op, state, 0, true)) {
          return false;
        }
        // restart: the lifted op's neighbours may have been unlinked along with it
        e = events.head.next;
      } else if (!canStillObserve(e, op)) {
        return false;
      } else {
        e = e.next;
      }
    }
    return true;
  }

  /**
   * Whether some continuation could bring the key to a state {@code op} answers before it returns.
   * Without this check a wrong order of concurrent appends is only noticed at the read's return
   * event, after trying every ordering of the ops called in between.
   */
  private boolean canStillObserve(EventList.Event call, Operation op) {
    long seen = op.output().witnessedRevision();
    if (seen > 0 && seen < state.revision()) {
      return false; // revisions only grow
    }
    if (op.output() instanceof KvOutput.Absent) {
      return resetCalledBefore(call.matchingReturn, null);
    }
    if (op.output() instanceof KvOutput.Value read) {
      return read.value().startsWith(state.valueOrEmpty())
          || resetCalledBefore(call.matchingReturn, read.value());
    }
    return true;
  }

  /**
   * Whether a pending write called before {@code end} resets the value so that appends can build
   * {@code wanted} (null: so that the key is absent): a delete, or a put whose value starts it.
   */
  private boolean resetCalledBefore(EventList.Event end, String wanted) {
    for (EventList.Event e = events.head.next; e != end; e = e.next) {
      if (!e.isCall) {
        continue;
      }
      KvOp input = ops.get(e.opIndex).input();
      if (input instanceof KvOp.Delete) {
        return true;
      }
      if (wanted != null
          && !(input instanceof KvOp.Append)
          && !input.isRead()
          && wanted.startsWith(KeyModel.writtenValue(input))) {
        return true;
      }
    }
    return false;
  }

  /** Linearizes {@code op} unless the resulting configuration was explored before. */
  private boolean tryLinearize(
      EventList.Event call, Operation op, KeyState nextState, int choice, boolean forced) {
    linearized.set(call.opIndex);
    if (!explored.add(new Configuration((BitSet) linearized.clone(), nextState))) {
      linearized.clear(call.opIndex);
      return false;
    }
    stack.push(new Frame(call, op, state, choice, forced));
    state = nextState;
    EventList.lift(call);
    rememberIfLongest();
    return true;
  }

  /**
   * Undoes linearizations up to and including the latest free choice (forced ops below a failed
   * configuration cannot help: their own configuration failed too).
   *
   * @return the undone free choice, whose op should be tried next with its following choice, or
   *     null if there is nothing left to try
   */
  private Frame backtrack() {
    while (!stack.isEmpty()) {
      Frame frame = stack.pop();
      state = frame.stateBefore();
      linearized.clear(frame.call().opIndex);
      EventList.unlift(frame.call());
      if (!frame.forced()) {
        return frame;
      }
    }
    return null;
  }

  private Result illegal() {
    return Result.illegal(
        new ViolationReport(key, ops, originNanos)
            .describe(longestPrefix, stateAfterLongestPrefix));
  }

  /** Copying is O(n) but happens at most n times, since the prefix length only ever grows. */
  private void rememberIfLongest() {
    if (stack.size() > longestPrefix.size()) {
      List<Operation> inOrder = new ArrayList<>(stack.size());
      for (Iterator<Frame> it = stack.descendingIterator(); it.hasNext(); ) {
        inOrder.add(it.next().op());
      }
      longestPrefix = inOrder;
      stateAfterLongestPrefix = state;
    }
  }
}
